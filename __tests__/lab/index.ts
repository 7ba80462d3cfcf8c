/** The test lab in one import: `import { startGoProxy, runGo, ... } from './lab/index.js'`. */
export * from './go.js';
export * from './goproxy-server.js';
export * from './modules.js';
export * from './paths.js';
export * from './pki.js';
export * from './runner.js';
