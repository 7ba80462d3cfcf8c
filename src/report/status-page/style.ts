/**
 * The page's only stylesheet, inline (allowed by its hash). System fonts,
 * no external anything. Readable on a 390 px phone and a 1280 px laptop: one
 * column that never scrolls sideways (long URLs wrap anywhere), tables that
 * become labelled cards on narrow screens. Colours are paired with words and
 * shapes everywhere; the dark scheme follows the viewer's system.
 */
export const STATUS_PAGE_CSS = `
:root{--fg:#1f2328;--muted:#59636e;--bg:#fff;--panel:#f6f8fa;--line:#d1d9e0;--ok:#1a7f37;--ok-bg:#dafbe1;--warn:#9a6700;--warn-bg:#fff8c5;--bad:#cf222e;--bad-bg:#ffebe9;--lat:#0969da;--link:#0969da}
@media (prefers-color-scheme:dark){:root{--fg:#e6edf3;--muted:#9198a1;--bg:#0d1117;--panel:#151b23;--line:#3d444d;--ok:#3fb950;--ok-bg:#12261e;--warn:#d29922;--warn-bg:#272115;--bad:#f85149;--bad-bg:#2d1316;--lat:#4493f8;--link:#4493f8}}
*{box-sizing:border-box}
[hidden]{display:none!important}
.defs{position:absolute;overflow:hidden}
html{-webkit-text-size-adjust:100%}
body{margin:0;background:var(--bg);color:var(--fg);font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","Liberation Sans",sans-serif}
main{max-width:1180px;margin:0 auto;padding:16px}
a{color:var(--link)}
h1{font-size:28px;line-height:1.2;margin:0}
h2{font-size:19px;margin:28px 0 10px}
p{margin:6px 0}
.muted,.eyebrow{color:var(--muted)}
.eyebrow{margin:0 0 4px;font-size:13px;overflow-wrap:anywhere}
.url{overflow-wrap:anywhere;word-break:break-word;font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"Liberation Mono",monospace;font-size:13.5px}
.icon{width:1em;height:1em;vertical-align:-0.125em;flex:none}
.verdict{border:1px solid var(--line);border-left:8px solid;border-radius:8px;padding:14px 16px;margin-bottom:12px}
.verdict h1{display:flex;gap:10px;align-items:center}
.v-ok{border-left-color:var(--ok);background:var(--ok-bg)}.v-ok h1{color:var(--ok)}
.v-warn{border-left-color:var(--warn);background:var(--warn-bg)}.v-warn h1{color:var(--warn)}
.v-bad{border-left-color:var(--bad);background:var(--bad-bg)}.v-bad h1{color:var(--bad)}
.banner{border:2px solid;border-radius:8px;padding:10px 14px;margin:10px 0;font-weight:600;display:flex;gap:10px;align-items:flex-start;overflow-wrap:anywhere}
.banner .icon{width:1.3em;height:1.3em;margin-top:1px}
.banner p{margin:0;font-weight:400}
.banner strong{text-transform:uppercase;letter-spacing:.04em}
.b-warn{border-color:var(--warn);background:var(--warn-bg)}
.b-bad{border-color:var(--bad);background:var(--bad-bg)}
.figures{display:grid;grid-template-columns:repeat(auto-fit,minmax(200px,1fr));gap:10px;margin:12px 0}
.figure{background:var(--panel);border:1px solid var(--line);border-radius:8px;padding:10px 12px;min-width:0}
.figure dt{font-size:13px;color:var(--muted)}
.figure dd{margin:2px 0 0;font-size:20px;font-weight:600}
.figure dd small{display:block;font-size:13px;font-weight:400;color:var(--muted);overflow-wrap:anywhere}
.state{display:inline-flex;gap:6px;align-items:center;font-weight:600;white-space:nowrap}
.s-up{color:var(--ok)}.s-warn{color:var(--warn)}.s-down{color:var(--bad)}
table{width:100%;border-collapse:collapse}
th,td{text-align:left;padding:8px 10px;border-bottom:1px solid var(--line);vertical-align:top}
th{font-size:13px;color:var(--muted);font-weight:600}
td.num,th.num{text-align:right;white-space:nowrap}
.parts{display:grid;grid-template-columns:auto 48px auto;gap:1px 6px;align-items:center;font-size:12.5px;color:var(--muted);margin-top:4px}
.parts svg{width:48px;height:6px}
.meter-bg{fill:var(--line)}.meter{fill:var(--muted)}
.score{font-size:18px;font-weight:600}
.ongoing{color:var(--bad);font-weight:600;white-space:nowrap}
.proxy-chart{margin:0 0 18px;padding:10px 12px 8px;border:1px solid var(--line);border-radius:8px}
.proxy-chart figcaption{display:flex;flex-wrap:wrap;gap:4px 12px;align-items:baseline;margin-bottom:6px}
.chart{display:block;width:100%;height:110px;background:var(--panel);border-radius:4px}
.axis{display:flex;justify-content:space-between;gap:8px;font-size:12px;color:var(--muted);margin-top:3px}
.axis span:last-child{text-align:right}
.bar-up{fill:var(--ok)}.bar-warn{fill:var(--warn)}.bar-down{fill:var(--bad)}
.shade-warn{fill:var(--warn);opacity:.12}.shade-down{fill:var(--bad);opacity:.16}
.base{stroke:var(--muted);stroke-width:1;vector-effect:non-scaling-stroke;fill:none}
.tick{stroke:var(--line);stroke-width:1;vector-effect:non-scaling-stroke;fill:none}
.lat{stroke:var(--lat);stroke-width:2;stroke-linejoin:round;stroke-linecap:round;vector-effect:non-scaling-stroke;fill:none}
.legend{display:flex;flex-wrap:wrap;gap:6px 18px;font-size:13px;color:var(--muted);margin:0 0 12px;padding:0;list-style:none}
.legend li{display:flex;gap:6px;align-items:center}
.swatch{width:30px;height:20px;flex:none}
footer{margin-top:32px;padding-top:12px;border-top:1px solid var(--line);font-size:13px;color:var(--muted);overflow-wrap:anywhere}
@media (max-width:720px){
main{padding:10px}
h1{font-size:24px}
table.cards thead{display:none}
table.cards tr{display:block;border:1px solid var(--line);border-radius:8px;margin:0 0 10px;padding:4px 0}
table.cards td{display:grid;grid-template-columns:7.5em minmax(0,1fr);gap:8px;border:0;padding:4px 10px;text-align:left}
table.cards td.num{white-space:normal;text-align:left}
table.cards td::before{content:attr(data-label);color:var(--muted);font-size:13px}
.chart{height:96px}
}
@media print{.banner,.verdict{break-inside:avoid}}
`;
