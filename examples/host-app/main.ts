import { startHostApp } from './app.js';

/* eslint-disable no-restricted-syntax -- an example app reads its own environment */
const env = process.env;
const missing = ['TALLY_URL', 'TALLY_PLATFORM_KEY', 'HOST_ORG', 'HOST_USER'].filter((k) => !env[k]);
if (missing.length) {
  process.stderr.write(`Set ${missing.join(', ')} (see examples/host-app/README.md).\n`);
  process.exit(2);
}
const app = await startHostApp({
  tallyUrl: env.TALLY_URL!,
  tallyKey: env.TALLY_PLATFORM_KEY!,
  org: env.HOST_ORG!,
  user: { id: env.HOST_USER!, name: env.HOST_USER_NAME ?? env.HOST_USER! },
  webhookSecret: env.TALLY_WEBHOOK_SECRET,
  port: Number(env.PORT ?? 5050),
});
process.stdout.write(`Acme Notebooks on ${app.url} (Tally at ${env.TALLY_URL})\n`);
