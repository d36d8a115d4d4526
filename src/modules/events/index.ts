/**
 * What other modules use of events: the stored event's columns and view, its response schema, the
 * export's pages, the rollups corrections re-book and the meter value path. Not the
 * list (reads.ts): it reads corrections, which import this file. For the demo: ingesting events.
 */
export { amendEvent, findEvent, findEventsForExport, removeFromRollups, voidEvent } from './queries.js';
export type { EventFilter, StoredEvent } from './queries.js';
export { rollupWrites } from './rollups.js';
export type { RatedEvent } from './rollups.js';
export { CorrectedEventOut } from './schemas.js';
export { ingestEvents } from './service.js';
export type { EventInput } from './service.js';
export { VALUE_PATH } from './value-path.js';
export { eventView } from './view.js';
export type { EventRow } from './view.js';
