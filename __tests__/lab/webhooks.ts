/**
 * Real webhook receivers on 127.0.0.1 (random port), one per service, that
 * judge a request the way the service does: its URL shape and token, its
 * payload shape and size limits, and its signature, recomputed from the
 * receiver's own copy of the secret with the service's clock tolerance.
 * They answer as the service answers, including the services that say "no"
 * with HTTP 200 and an error code in the body.
 *
 * Only loopback is ever bound or contacted.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import http, { type IncomingHttpHeaders } from 'node:http';
import type { Socket } from 'node:net';
import { listenLoopback, trackSockets } from './loopback.js';
import type { WebhookFormat } from '../../src/config/config.js';

export type ReceiverMode =
  | 'ok'
  /** Answer every request with the service's own error (an unknown or revoked webhook). */
  | 'error'
  /** 503 for the first two requests after the mode is set, then judge normally. */
  | 'fail-twice-then-ok'
  /** Read the request, never answer (until close()). */
  | 'hang';

export interface ReceivedRequest {
  method: string;
  /** Path without the query. */
  path: string;
  /** Query parameters, decoded once, as the service decodes them. */
  query: Record<string, string>;
  /** The request target exactly as received. */
  rawUrl: string;
  headers: IncomingHttpHeaders;
  rawBody: string;
  /** Parsed JSON, or undefined when the body is not JSON. */
  body: unknown;
  /** Status answered; 0 while pending or when never answered (hang). */
  status: number;
  /** Body answered. */
  answer: string;
  /** 'accepted', or why the receiver refused the request. */
  outcome: string;
  /** Epoch ms when the request arrived. */
  at: number;
}

export interface WebhookReceiverOptions {
  /** The signing secret the service holds (DingTalk, Feishu, json). Without it, unsigned requests are accepted. */
  secret?: string;
  mode?: ReceiverMode;
}

export interface WebhookReceiver {
  readonly service: WebhookFormat;
  /** The full webhook URL to configure, token included, as the service hands it out. */
  readonly url: string;
  /** The credential inside `url` (path segment or query value). */
  readonly token: string;
  readonly origin: string;
  readonly requests: ReceivedRequest[];
  setMode(mode: ReceiverMode): void;
  accepted(): ReceivedRequest[];
  /** Stop, destroying every open socket (hung ones too). */
  close(): Promise<void>;
}

/** What the receiver answers. */
interface Reply {
  status: number;
  body: string;
  contentType?: string;
  outcome: string;
}

interface Incoming {
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  rawBody: string;
  body: unknown;
}

interface Service {
  /** The webhook URL's path and query for a token. */
  target(token: string): string;
  /** Whether the request names this webhook (the token is right). */
  addressed(req: Incoming, token: string): boolean;
  /** The service's answer to a webhook it does not know (revoked, mistyped): also the 'error' mode. */
  unknownWebhook: Reply;
  judge(req: Incoming, secret: string | undefined): Reply;
  accepted: Reply;
}

const json = (status: number, value: unknown, outcome: string): Reply => ({
  status,
  body: JSON.stringify(value),
  contentType: 'application/json; charset=utf-8',
  outcome,
});
const text = (status: number, body: string, outcome: string): Reply => ({ status, body, contentType: 'text/html', outcome });

const HOUR_MS = 60 * 60 * 1000;

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isText = (v: unknown): v is string => typeof v === 'string' && v !== '';
/** Discord counts code points; a limit checked this way is also met in UTF-16 units when the sender counted those. */
const chars = (v: unknown) => (typeof v === 'string' ? [...v].length : 0);

// ---------------------------------------------------------------- Slack

/** Block Kit's limits; Slack answers 400 invalid_blocks beyond them. */
function slackBlocksProblem(blocks: unknown): string | undefined {
  if (!Array.isArray(blocks) || blocks.length > 50) return 'blocks must be an array of at most 50';
  for (const b of blocks) {
    if (!isObject(b)) return 'block is not an object';
    const t = b.text as Record<string, unknown> | undefined;
    switch (b.type) {
      case 'header':
        if (!isObject(t) || t.type !== 'plain_text' || !isText(t.text) || chars(t.text) > 150)
          return 'header needs plain_text of 1-150 characters';
        break;
      case 'section': {
        const fields = b.fields as unknown[] | undefined;
        if (t === undefined && fields === undefined) return 'section needs text or fields';
        if (
          t !== undefined &&
          (!isObject(t) || !['mrkdwn', 'plain_text'].includes(String(t.type)) || !isText(t.text) || chars(t.text) > 3000)
        ) {
          return 'section text must be 1-3000 characters';
        }
        if (fields !== undefined) {
          if (!Array.isArray(fields) || fields.length === 0 || fields.length > 10) return 'section fields must be 1-10';
          for (const f of fields)
            if (!isObject(f) || !isText(f.text) || chars(f.text) > 2000) return 'section field text must be 1-2000 characters';
        }
        break;
      }
      case 'context': {
        const elements = b.elements as unknown[] | undefined;
        if (!Array.isArray(elements) || elements.length === 0 || elements.length > 10) return 'context elements must be 1-10';
        for (const e of elements)
          if (!isObject(e) || !isText(e.text) || chars(e.text) > 3000) return 'context element text must be 1-3000 characters';
        break;
      }
      case 'divider':
        break;
      default:
        return `unknown block type ${String(b.type)}`;
    }
  }
  return undefined;
}

const slack: Service = {
  target: (token) => `/services/T0LAB0001/B0LAB0001/${token}`,
  addressed: (req, token) => req.path === `/services/T0LAB0001/B0LAB0001/${token}`,
  unknownWebhook: text(404, 'no_service', 'unknown webhook'),
  accepted: text(200, 'ok', 'accepted'),
  judge(req) {
    if (!isObject(req.body)) return text(400, 'invalid_payload', 'body is not a JSON object');
    if (!isText(req.body.text) && req.body.blocks === undefined) return text(400, 'no_text', 'no text and no blocks');
    if (req.body.blocks !== undefined) {
      const problem = slackBlocksProblem(req.body.blocks);
      if (problem) return text(400, 'invalid_blocks', problem);
    }
    return this.accepted;
  },
};

// ---------------------------------------------------------------- Discord

const DISCORD_BAD_FORM = (problem: string) =>
  json(400, { message: 'Invalid Form Body', code: 50035, errors: { _problem: problem } }, problem);

function discordProblem(body: Record<string, unknown>): string | undefined {
  if (body.content !== undefined && chars(body.content) > 2000) return 'content over 2000 characters';
  const embeds = body.embeds as unknown[] | undefined;
  if (!isText(body.content) && (!Array.isArray(embeds) || embeds.length === 0)) return 'cannot send an empty message';
  if (embeds === undefined) return undefined;
  if (!Array.isArray(embeds) || embeds.length > 10) return 'at most 10 embeds';
  let total = 0;
  for (const e of embeds) {
    if (!isObject(e)) return 'embed is not an object';
    if (chars(e.title) > 256) return 'embed title over 256 characters';
    if (chars(e.description) > 4096) return 'embed description over 4096 characters';
    const fields = (e.fields ?? []) as unknown[];
    if (!Array.isArray(fields) || fields.length > 25) return 'embed has more than 25 fields';
    for (const f of fields) {
      if (!isObject(f) || !isText(f.name) || !isText(f.value)) return 'embed field name and value must not be empty';
      if (chars(f.name) > 256) return 'embed field name over 256 characters';
      if (chars(f.value) > 1024) return 'embed field value over 1024 characters';
      total += chars(f.name) + chars(f.value);
    }
    const footer = e.footer as Record<string, unknown> | undefined;
    if (footer && chars(footer.text) > 2048) return 'embed footer over 2048 characters';
    const author = e.author as Record<string, unknown> | undefined;
    if (author && chars(author.name) > 256) return 'embed author name over 256 characters';
    total += chars(e.title) + chars(e.description) + chars(footer?.text) + chars(author?.name);
    if (e.url !== undefined && !/^https?:\/\//.test(String(e.url))) return 'embed url is not a URL';
  }
  if (total > 6000) return `embeds total ${total} characters, over 6000`;
  return undefined;
}

const discord: Service = {
  target: (token) => `/api/webhooks/100000000000000001/${token}`,
  addressed: (req, token) => req.path === `/api/webhooks/100000000000000001/${token}`,
  unknownWebhook: json(404, { message: 'Unknown Webhook', code: 10015 }, 'unknown webhook'),
  accepted: { status: 204, body: '', outcome: 'accepted' },
  judge(req) {
    if (!isObject(req.body)) return json(400, { message: 'Cannot send an empty message', code: 50006 }, 'body is not a JSON object');
    const problem = discordProblem(req.body);
    return problem ? DISCORD_BAD_FORM(problem) : this.accepted;
  },
};

// ---------------------------------------------------------------- Teams (Workflows)

const teams: Service = {
  target: (token) => `/workflows/0a1b2c3d/triggers/manual/paths/invoke?api-version=1&sig=${token}`,
  addressed: (req, token) => req.path === '/workflows/0a1b2c3d/triggers/manual/paths/invoke' && req.query.get('sig') === token,
  unknownWebhook: json(
    401,
    { error: { code: 'DirectApiAuthorizationRequired', message: 'The request must be authenticated.' } },
    'unknown webhook',
  ),
  accepted: { status: 202, body: '', outcome: 'accepted' },
  judge(req) {
    const mismatch = (problem: string) =>
      json(
        400,
        {
          error: {
            code: 'TriggerInputSchemaMismatch',
            message: `The input body for trigger 'manual' did not match its schema: ${problem}`,
          },
        },
        problem,
      );
    // Teams refuses cards over about 28 KB.
    if (Buffer.byteLength(req.rawBody) > 28 * 1024)
      return json(413, { error: { code: 'MessageTooLarge', message: 'message too large' } }, 'over 28 KB');
    const b = req.body;
    if (!isObject(b) || b.type !== 'message' || !Array.isArray(b.attachments) || b.attachments.length === 0)
      return mismatch('type message with attachments');
    for (const a of b.attachments) {
      if (!isObject(a) || a.contentType !== 'application/vnd.microsoft.card.adaptive') return mismatch('attachment contentType');
      const c = a.content;
      if (!isObject(c) || c.type !== 'AdaptiveCard' || !isText(c.version) || !Array.isArray(c.body) || c.body.length === 0)
        return mismatch('AdaptiveCard content');
      for (const el of c.body) if (!isObject(el) || !isText(el.type)) return mismatch('card element without type');
    }
    return this.accepted;
  },
};

// ---------------------------------------------------------------- DingTalk

/** DingTalk's own recipe, recomputed here from the receiver's copy of the secret. */
const dingtalkSign = (secret: string, timestamp: string) => createHmac('sha256', secret).update(`${timestamp}\n${secret}`).digest('base64');

const dingtalk: Service = {
  target: (token) => `/robot/send?access_token=${token}`,
  addressed: (req, token) => req.path === '/robot/send' && req.query.get('access_token') === token,
  unknownWebhook: json(200, { errcode: 300001, errmsg: 'token is not exist' }, 'unknown webhook'),
  accepted: json(200, { errcode: 0, errmsg: 'ok' }, 'accepted'),
  judge(req, secret) {
    if (secret !== undefined) {
      const timestamp = req.query.get('timestamp') ?? '';
      const sign = req.query.get('sign') ?? '';
      const ts = Number(timestamp);
      if (!/^\d+$/.test(timestamp) || Math.abs(Date.now() - ts) > HOUR_MS) {
        return json(200, { errcode: 310000, errmsg: 'invalid timestamp' }, 'timestamp missing or more than an hour off');
      }
      if (!sameText(sign, dingtalkSign(secret, timestamp)))
        return json(200, { errcode: 310000, errmsg: 'sign not match' }, 'sign not match');
    }
    if (Buffer.byteLength(req.rawBody) > 20000)
      return json(200, { errcode: 460101, errmsg: 'message too long, exceed 20000 bytes' }, 'over 20000 bytes');
    const b = req.body;
    if (!isObject(b) || b.msgtype !== 'markdown' || !isObject(b.markdown) || !isText(b.markdown.title) || !isText(b.markdown.text)) {
      return json(200, { errcode: 40035, errmsg: '缺少参数 json' }, 'not a markdown message');
    }
    return this.accepted;
  },
};

// ---------------------------------------------------------------- Feishu / Lark

const feishuSign = (secret: string, timestamp: string) => createHmac('sha256', `${timestamp}\n${secret}`).update('').digest('base64');
const FEISHU_SIGN_FAIL = { code: 19021, msg: 'sign match fail or timestamp is not within one hour from current time' };

const feishu: Service = {
  target: (token) => `/open-apis/bot/v2/hook/${token}`,
  addressed: (req, token) => req.path === `/open-apis/bot/v2/hook/${token}`,
  unknownWebhook: json(200, { code: 19001, msg: 'param invalid: incoming webhook access token invalid', data: {} }, 'unknown webhook'),
  accepted: json(200, { code: 0, msg: 'success', data: {}, StatusCode: 0, StatusMessage: 'success' }, 'accepted'),
  judge(req, secret) {
    const b = req.body;
    const bad = (problem: string) => json(200, { code: 9499, msg: 'Bad Request', data: {} }, problem);
    if (!isObject(b)) return bad('body is not a JSON object');
    if (secret !== undefined) {
      const timestamp = typeof b.timestamp === 'string' ? b.timestamp : '';
      if (!/^\d+$/.test(timestamp) || Math.abs(Date.now() - Number(timestamp) * 1000) > HOUR_MS)
        return json(200, FEISHU_SIGN_FAIL, 'timestamp missing or more than an hour off');
      if (!isText(b.sign) || !sameText(b.sign, feishuSign(secret, timestamp))) return json(200, FEISHU_SIGN_FAIL, 'sign mismatch');
    }
    // A custom bot's request body is limited to 20 KB.
    if (Buffer.byteLength(req.rawBody) > 20 * 1024) return bad('over 20 KB');
    switch (b.msg_type) {
      case 'interactive': {
        const card = b.card;
        if (!isObject(card) || !Array.isArray(card.elements)) return bad('interactive without card elements');
        for (const el of card.elements) if (!isObject(el) || !isText(el.tag)) return bad('card element without tag');
        return this.accepted;
      }
      case 'text':
        return isObject(b.content) && isText(b.content.text) ? this.accepted : bad('text without content.text');
      case 'post':
        return isObject(b.content) && isObject(b.content.post) ? this.accepted : bad('post without content.post');
      default:
        return bad(`unknown msg_type ${String(b.msg_type)}`);
    }
  },
};

// ---------------------------------------------------------------- WeCom

const wecom: Service = {
  target: (token) => `/cgi-bin/webhook/send?key=${token}`,
  addressed: (req, token) => req.path === '/cgi-bin/webhook/send' && req.query.get('key') === token,
  unknownWebhook: json(200, { errcode: 93000, errmsg: 'invalid webhook url, hint: [lab]' }, 'unknown webhook'),
  accepted: json(200, { errcode: 0, errmsg: 'ok' }, 'accepted'),
  judge(req) {
    const b = req.body;
    if (!isObject(b) || b.msgtype !== 'markdown' || !isObject(b.markdown) || typeof b.markdown.content !== 'string') {
      return json(200, { errcode: 40008, errmsg: 'invalid message type, hint: [lab]' }, 'not a markdown message');
    }
    const bytes = Buffer.byteLength(b.markdown.content, 'utf8');
    if (bytes > 4096) {
      return json(
        200,
        { errcode: 40058, errmsg: 'markdown.content exceed max length 4096. invalid Request Parameter, hint: [lab]' },
        `content is ${bytes} bytes`,
      );
    }
    return this.accepted;
  },
};

// ---------------------------------------------------------------- json (go-proxy-guard/alert@1)

const jsonReceiver: Service = {
  target: (token) => `/hooks/${token}`,
  addressed: (req, token) => req.path === `/hooks/${token}`,
  unknownWebhook: json(404, { error: 'no such hook' }, 'unknown webhook'),
  accepted: json(200, { ok: true }, 'accepted'),
  judge(req, secret) {
    if (secret !== undefined) {
      const timestamp = String(req.headers['x-go-proxy-guard-timestamp'] ?? '');
      const signature = String(req.headers['x-go-proxy-guard-signature'] ?? '');
      const expected = `sha256=${createHmac('sha256', secret).update(`${timestamp}.${req.rawBody}`).digest('hex')}`;
      if (!/^\d+$/.test(timestamp) || Math.abs(Date.now() - Number(timestamp) * 1000) > 5 * 60 * 1000)
        return json(401, { error: 'stale or missing timestamp' }, 'stale timestamp');
      if (!sameText(signature, expected)) return json(401, { error: 'bad signature' }, 'bad signature');
    }
    const b = req.body;
    if (!isObject(b) || b.schema !== 'go-proxy-guard/alert@1')
      return json(422, { error: 'not a go-proxy-guard/alert@1 document' }, 'wrong schema');
    for (const key of ['title', 'kind', 'verdict', 'goproxy', 'reason', 'at'])
      if (typeof b[key] !== 'string') return json(422, { error: `missing ${key}` }, `missing ${key}`);
    if (!Array.isArray(b.failingProxies)) return json(422, { error: 'missing failingProxies' }, 'missing failingProxies');
    return this.accepted;
  },
};

const SERVICES: Record<WebhookFormat, Service> = { slack, discord, teams, dingtalk, feishu, wecom, json: jsonReceiver };

/** An overloaded service, whatever the service: what 'fail-twice-then-ok' answers first. */
const unavailable: Reply = text(503, 'Service Unavailable', 'fail-twice-then-ok: 503');

export async function startWebhookReceiver(service: WebhookFormat, opts: WebhookReceiverOptions = {}): Promise<WebhookReceiver> {
  const spec = SERVICES[service];
  const token = `${randomBytes(12).toString('hex')}Z9`;
  const requests: ReceivedRequest[] = [];
  const sockets = new Set<Socket>();
  let mode: ReceiverMode = opts.mode ?? 'ok';
  let failuresLeft = mode === 'fail-twice-then-ok' ? 2 : 0;

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const rawUrl = req.url ?? '/';
      const u = new URL(rawUrl, 'http://127.0.0.1');
      const rawBody = Buffer.concat(chunks).toString('utf8');
      let body: unknown;
      try {
        body = JSON.parse(rawBody);
      } catch {
        body = undefined;
      }
      const record: ReceivedRequest = {
        method: req.method ?? '',
        path: u.pathname,
        query: Object.fromEntries(u.searchParams),
        rawUrl,
        headers: req.headers,
        rawBody,
        body,
        status: 0,
        answer: '',
        outcome: 'pending',
        at: Date.now(),
      };
      requests.push(record);
      if (mode === 'hang') {
        record.outcome = 'hang: never answered';
        return;
      }
      const incoming: Incoming = { path: u.pathname, query: u.searchParams, headers: req.headers, rawBody, body };
      let reply: Reply;
      if (req.method !== 'POST' || !spec.addressed(incoming, token) || mode === 'error') reply = spec.unknownWebhook;
      else if (failuresLeft > 0) {
        failuresLeft--;
        reply = unavailable;
      } else reply = spec.judge(incoming, opts.secret);
      record.status = reply.status;
      record.answer = reply.body;
      record.outcome = reply.outcome;
      res.writeHead(reply.status, reply.contentType ? { 'content-type': reply.contentType } : {});
      res.end(reply.body);
    });
  });
  trackSockets(server, sockets);
  const port = await listenLoopback(server);
  const origin = `http://127.0.0.1:${port}`;
  return {
    service,
    url: `${origin}${spec.target(token)}`,
    token,
    origin,
    requests,
    setMode(next: ReceiverMode) {
      mode = next;
      failuresLeft = next === 'fail-twice-then-ok' ? 2 : 0;
    },
    accepted: () => requests.filter((r) => r.outcome === 'accepted'),
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A fresh random secret, in the shape the services hand out (DingTalk's start with SEC). */
export function labWebhookSecret(): string {
  return `SEC${randomBytes(24).toString('hex')}`;
}

// ---------------------------------------------------------------- what a message makes active

export interface ActiveMarkup {
  /** Mentions the service would turn into notifications (`@all`, `<!channel>`, `<at id=all></at>`...). */
  mentions: string[];
  /** Link targets a reader could click: masked links (`[label](url)`, `<url|label>`) and bare URLs. */
  links: string[];
}

function textsOf(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) for (const v of value) textsOf(v, out);
  else if (isObject(value)) for (const v of Object.values(value)) textsOf(v, out);
  return out;
}

const matches = (text: string, re: RegExp, group = 0): string[] => [...text.matchAll(re)].map((m) => m[group] ?? '');

/** A markdown masked link `[label](url)`, its brackets not escaped with a backslash. */
const MASKED_LINK = /(?<!\\)\[[^\]]*?(?<!\\)\]\((https?:\/\/[^)\s]+)\)/g;
/** A URL the renderer links by itself. */
const BARE_URL = /(?<![\w\\/])(https?:\/\/[^\s)<>|]+)/g;

/**
 * Read an accepted payload the way the service's renderer reads it, and list
 * the mentions and links it would make active. Each service has its own
 * syntax (Slack's `<!channel>`, Feishu's `<at id=all></at>`, WeCom's
 * `<@userid>`, the `@all` of DingTalk and WeCom, Discord's `@everyone` unless
 * allowed_mentions turns parsing off); a mention or link broken by a
 * zero-width space or a backslash is text, not markup.
 */
export function activeMarkup(service: WebhookFormat, body: unknown): ActiveMarkup {
  const texts = textsOf(body);
  const mentions: string[] = [];
  const links: string[] = [];
  for (const t of texts) {
    switch (service) {
      case 'slack':
        mentions.push(...matches(t, /<!(?:channel|here|everyone|subteam\^[^>]+)>|<@[UW][A-Z0-9]+>/g));
        links.push(...matches(t, /<(https?:\/\/[^|>]+)(?:\|[^>]*)?>/g, 1));
        break;
      case 'discord': {
        const parse = isObject(body) && isObject(body.allowed_mentions) ? body.allowed_mentions.parse : undefined;
        if (!(Array.isArray(parse) && parse.length === 0)) mentions.push(...matches(t, /(?<!\\)@(?:everyone|here)|<@[!&]?\d+>/g));
        links.push(...matches(t, MASKED_LINK, 1));
        break;
      }
      case 'dingtalk':
        mentions.push(...matches(t, /@(?:all|everyone|here|\d{5,})\b/gi));
        links.push(...matches(t, MASKED_LINK, 1));
        break;
      case 'wecom':
        mentions.push(...matches(t, /<@[^>]+>|@all\b/gi));
        links.push(...matches(t, MASKED_LINK, 1));
        break;
      case 'feishu':
        mentions.push(...matches(t, /<at\b[^>]*>/gi));
        links.push(...matches(t, MASKED_LINK, 1));
        break;
      case 'teams':
        links.push(...matches(t, MASKED_LINK, 1));
        break;
      case 'json':
        break; // data for a program, rendered by nobody
    }
    if (service !== 'json') links.push(...matches(t.replace(MASKED_LINK, ''), BARE_URL, 1));
  }
  return { mentions, links };
}
