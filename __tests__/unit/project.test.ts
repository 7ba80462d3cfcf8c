import { applyReplacements, parseGoMod, parseGoWork } from '../../src/project/gomod.js';

describe('go.mod and go.work are read offline', () => {
  const gomod = `// a comment
module example.com/app // trailing

go 1.19

require example.com/single v1.0.0
require (
	example.com/alpha v1.1.0
	"example.com/quoted" v0.1.0
	example.com/Upper/Case v1.0.0 // indirect
	example.com/local v1.0.0
	example.com/moved v1.0.0
)

replace example.com/local => ../local
replace (
	example.com/moved v1.0.0 => example.com/fork v1.0.1
)
exclude example.com/alpha v1.0.0
retract v0.9.0
`;

  test('module, requirements with indirect flags, replacements', () => {
    const mod = parseGoMod(gomod);
    expect(mod.module).toBe('example.com/app');
    expect(mod.requires.map((r) => `${r.path}@${r.version}${r.indirect ? ' (indirect)' : ''}`)).toEqual([
      'example.com/single@v1.0.0',
      'example.com/alpha@v1.1.0',
      'example.com/quoted@v0.1.0',
      'example.com/Upper/Case@v1.0.0 (indirect)',
      'example.com/local@v1.0.0',
      'example.com/moved@v1.0.0',
    ]);
    expect(applyReplacements(mod.requires, mod.replaces).map((r) => `${r.path}@${r.version}`)).toEqual([
      'example.com/single@v1.0.0',
      'example.com/alpha@v1.1.0',
      'example.com/quoted@v0.1.0',
      'example.com/Upper/Case@v1.0.0',
      'example.com/fork@v1.0.1',
    ]);
  });

  test('go.work uses, single and block', () => {
    expect(parseGoWork('go 1.19\nuse ./tools\nuse (\n\t./api\n\t"./web" // web\n)\n').uses).toEqual(['./tools', './api', './web']);
  });
});
