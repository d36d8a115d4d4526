// Day arithmetic is the domain's (one rule for server and dashboard).
export { addDays, firstOfMonth } from '../../../../src/domain/days.js';
