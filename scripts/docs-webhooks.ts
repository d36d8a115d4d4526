import { writeFileSync } from 'node:fs';
import { renderWebhookDocs } from '../src/modules/outbox/catalogue-doc.js';

// Regenerates docs/webhooks.md from the notification catalogue.
writeFileSync(new URL('../docs/webhooks.md', import.meta.url), renderWebhookDocs());
console.log('wrote docs/webhooks.md');
