import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RULE_TYPES } from '../src/modules/alerts/rule-types.js';
import { NOTIFICATION_CATALOGUE } from '../src/modules/outbox/catalogue.js';
import { renderWebhookDocs } from '../src/modules/outbox/catalogue-doc.js';
import { NOTIFICATION_TYPES } from '../src/modules/outbox/types.js';

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith('.ts') ? [path] : [];
  });
}

/** Every event type literal the code hands to the outbox (enqueue or a domain event). */
function typesSentByCode(): Set<string> {
  const found = new Set<string>();
  const literal = /type:\s*(?:[^,}\n]*?\?\s*)?'([a-z_]+\.[a-z_]+)'(?:\s*:\s*'([a-z_]+\.[a-z_]+)')?/g;
  for (const file of sourceFiles('src')) {
    const text = readFileSync(file, 'utf8');
    if (!/\b(enqueue|emitDomainEvent)\(/.test(text)) continue;
    for (const m of text.matchAll(literal)) {
      found.add(m[1]!);
      if (m[2]) found.add(m[2]);
    }
  }
  for (const t of RULE_TYPES) found.add(t); // the rule engine sends the rule's type
  return found;
}

describe('webhook catalogue', () => {
  it('documents every event type the code sends', () => {
    const sent = typesSentByCode();
    // the scan itself must find the known senders, or it would pass by finding nothing
    expect(sent).toContain('balance.low_resolved');
    expect(sent).toContain('statement.closed');
    expect(sent).toContain('auto_recharge.failed');
    const docs = readFileSync('docs/webhooks.md', 'utf8');
    for (const type of sent) {
      expect(NOTIFICATION_TYPES, type).toContain(type);
      expect(docs, type).toContain(`## ${type}\n`);
    }
  });

  it('keeps the subscribable list and the catalogue equal', () => {
    expect(Object.keys(NOTIFICATION_CATALOGUE).sort()).toEqual([...NOTIFICATION_TYPES].sort());
  });

  it('keeps docs/webhooks.md as generated (npm run docs:webhooks)', () => {
    expect(readFileSync('docs/webhooks.md', 'utf8')).toBe(renderWebhookDocs());
  });
});
