import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    setupFiles: ['tests/support/setup.ts'],
    // Handlers read their environment at module load; unit tests mock the clients, so nothing here reaches a network.
    env: {
      TABLE_NAME: 'fireplan-test',
      AWS_REGION: 'cn-north-1',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      MAIL_FROM: 'fireplan@qingfeng.example.org',
      MAIL_CONFIGURATION_SET: 'fireplan-test',
      POWERTOOLS_LOG_LEVEL: 'SILENT',
    },
    testTimeout: 30_000,
  },
});
