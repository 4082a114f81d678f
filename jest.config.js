// Tests run the TypeScript sources directly: @swc/jest strips types (fast),
// while `make test` type-checks the whole tree with tsc beforehand.
const swc = ['@swc/jest', {
  jsc: { target: 'es2022', parser: { syntax: 'typescript' } },
  module: { type: 'es6' },
  sourceMaps: 'inline',
}];

export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: { '^.+\\.ts$': swc },
  moduleNameMapper: {
    '^libprocess-ts$': '<rootDir>/libprocess-ts/src/index.ts',
    '^libprocess-ts/testing$': '<rootDir>/libprocess-ts/src/testing.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  testMatch: ['**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  modulePathIgnorePatterns: ['<rootDir>/dist/', '<rootDir>/libprocess-ts/dist/'],
  testTimeout: 30000,
};
