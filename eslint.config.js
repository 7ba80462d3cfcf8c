import js from '@eslint/js';
import { builtinRules } from 'eslint/use-at-your-own-risk';
import tseslint from 'typescript-eslint';

/**
 * The layers of src/, lowest first (docs/ARCHITECTURE.md). A folder may import
 * its own layer and the ones below, never one above; the folders of a layer
 * marked independent may not import each other either:
 * - model: the shared vocabulary (verdicts, ladder steps, cache hits, the score model, the report's types);
 *   diagnosis: failure classes, the one rule for "transient", backoff, untrusted text;
 *   secrets: masking, and files only the user can read; go: running the go command and reading go env;
 * - config: inputs read once into a typed Config; goproxy: GOPROXY chains, endpoints, TLS trust;
 * - what the work stands on: project (the Go project, go run in it), probe (one proxy asked),
 *   upstream (one request forwarded to a proxy: attempts, retries, hedges, answers checked);
 * - the work, each folder on its own: health (score, rank), warm (prefetch, the ladder), cache, serve (the local proxy);
 * - what a run leaves behind: report, alert, history, state (kept between runs), doctor;
 * - platform: GitHub, GitLab and the terminal, behind one interface;
 * - engine: the pipeline of stages;
 * - entry and cli: the front doors.
 */
const LAYERS = [
  { folders: ['model', 'diagnosis', 'secrets', 'go'] },
  { folders: ['config', 'goproxy'] },
  { folders: ['project', 'probe', 'upstream'] },
  { folders: ['health', 'warm', 'cache', 'serve'], independent: true },
  { folders: ['report', 'alert', 'history', 'state', 'doctor'] },
  { folders: ['platform'] },
  { folders: ['engine'] },
  { folders: ['entry', 'cli'] },
];

function layerRules() {
  return LAYERS.flatMap((layer, i) => {
    const above = LAYERS.slice(i + 1).flatMap((l) => l.folders);
    return layer.folders.flatMap((folder) => {
      const siblings = layer.independent ? layer.folders.filter((f) => f !== folder) : [];
      const forbidden = [...above, ...siblings];
      if (forbidden.length === 0) return [];
      const why = siblings.length
        ? `src/${folder} sits below ${above.join(', ')} and beside ${siblings.join(', ')}, which it may not use either`
        : `src/${folder} sits below ${above.join(', ')}`;
      return [
        {
          files: [`src/${folder}/**/*.ts`],
          rules: {
            'no-restricted-imports': [
              'error',
              {
                patterns: [
                  {
                    regex: `(^|/)(${forbidden.join('|')})/`,
                    message: `${why} (the layers in eslint.config.js): move the shared piece down (model/, upstream/...) instead of importing it.`,
                  },
                ],
              },
            ],
          },
        },
      ];
    });
  });
}

/**
 * Functions that are declarative tables (one entry per line, no logic):
 * exempt from the length rule by name. Keep the list short.
 */
const DECLARATIVE_TABLES = [];

const coreMaxLines = builtinRules.get('max-lines-per-function');

/** The name a function is known by: its own, its variable's, its method's or its property's. */
function functionName(node) {
  if (node.id?.name) return node.id.name;
  const p = node.parent;
  if (p?.type === 'VariableDeclarator' && p.id.type === 'Identifier') return p.id.name;
  if ((p?.type === 'MethodDefinition' || p?.type === 'Property' || p?.type === 'PropertyDefinition') && p.key.type === 'Identifier')
    return p.key.name;
  return undefined;
}

/** max-lines-per-function, with the functions named in `exempt` left out. */
const maxLinesPerFunction = {
  meta: {
    ...coreMaxLines.meta,
    defaultOptions: [{}],
    schema: [
      {
        type: 'object',
        properties: {
          max: { type: 'integer', minimum: 0 },
          skipComments: { type: 'boolean' },
          skipBlankLines: { type: 'boolean' },
          IIFEs: { type: 'boolean' },
          exempt: { type: 'array', items: { type: 'string' } },
        },
        additionalProperties: false,
      },
    ],
  },
  create(context) {
    const { exempt = [], ...options } = context.options[0] ?? {};
    const report = (descriptor) => {
      if (!exempt.includes(functionName(descriptor.node))) context.report(descriptor);
    };
    // The context is frozen: hand the core rule a view of it with our options and report.
    const inner = Object.create(context, { options: { value: [options] }, report: { value: report } });
    return coreMaxLines.create(inner);
  },
};

const longFunctions = { max: 80, skipBlankLines: true, skipComments: true, exempt: DECLARATIVE_TABLES };

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { process: 'readonly', module: 'writable' } },
  },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  },
  {
    files: ['src/**/*.ts'],
    plugins: { guard: { rules: { 'max-lines-per-function': maxLinesPerFunction } } },
    rules: { 'guard/max-lines-per-function': ['error', longFunctions] },
  },
  ...layerRules(),
);
