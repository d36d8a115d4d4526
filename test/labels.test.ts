import { describe, expect, it } from 'vitest';
import { categoryLabel } from '../src/domain/labels.js';

describe('category labels as the product says them', () => {
  it.each([
    ['ai_tools', 'AI Tools'],
    ['background_ai', 'Background AI'],
    ['agent_chat', 'Agent chat'],
    ['browser_sessions', 'Browser sessions'],
    ['gpu_hours', 'Gpu hours'], // a key the product does not name reads as a sentence
    ['', '(none)'],
  ])('%s → %s', (key, label) => expect(categoryLabel(key)).toBe(label));
});
