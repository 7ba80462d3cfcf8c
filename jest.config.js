/** Tests run as ESM because every @actions/* package is ESM-only. */
export default {
  testEnvironment: 'node',
  roots: ['<rootDir>/__tests__'],
  testMatch: ['**/*.test.ts'],
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: {
    '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'typescript' } }, module: { type: 'es6' } }],
  },
  reporters: ['default', '<rootDir>/__tests__/lab/closing-line-reporter.cjs'],
  globalSetup: '<rootDir>/__tests__/lab/global-setup.ts',
  testTimeout: 60000,
  maxWorkers: 2,
};
