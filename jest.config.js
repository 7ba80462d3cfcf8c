/** Tests run as ESM because every @actions/* package is ESM-only. */
export default {
  testEnvironment: 'node',
  roots: ['<rootDir>/__tests__'],
  testMatch: ['**/*.test.ts'],
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      {
        // keepImportAttributes: `import pkg from '../package.json' with { type: 'json' }` stays as written (Node requires it).
        jsc: { target: 'es2022', parser: { syntax: 'typescript' }, experimental: { keepImportAttributes: true } },
        module: { type: 'es6' },
      },
    ],
  },
  reporters: ['default', '<rootDir>/__tests__/lab/closing-line-reporter.cjs'],
  globalSetup: '<rootDir>/__tests__/lab/global-setup.ts',
  // Like the runner at the end of a job: whatever a test's action left running (the local proxy) is stopped.
  setupFilesAfterEnv: ['<rootDir>/__tests__/lab/job-cleanup.ts'],
  testTimeout: 60000,
  maxWorkers: 2,
};
