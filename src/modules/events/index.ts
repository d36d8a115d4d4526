/**
 * What other modules use of events: the stored event's columns and view, its response schema, the
 * filters the export shares, the rollups corrections re-book and the meter value path. Not the
 * list (reads.ts): it reads corrections, which import this file.
 */
export { eventConditions } from './filter.js';
export type { EventFilter } from './filter.js';
export { addToRollups } from './rollups.js';
export type { RatedEvent } from './rollups.js';
export { CorrectedEventOut } from './schemas.js';
export { VALUE_PATH } from './value-path.js';
export { EVENT_COLUMNS, eventView } from './view.js';
export type { EventRow } from './view.js';
