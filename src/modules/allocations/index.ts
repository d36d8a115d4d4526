/**
 * What other modules use of allocations: a member's scope and budget (scope.ts, state.ts), the
 * organization's cycle (cycles.ts) and the checks of a member or group change. The reads of
 * queries.ts and cycleQueries.ts below are here for the real-time path, which reads its cached
 * configuration and admission figures in one statement each (docs/performance.md), and for
 * corrections, which re-book a cycle's usage: they are the known places another module uses this
 * module's SQL, listed here so they stay few. For the wiring, jobs and demo: the cycle usage hook, the cycle
 * rollover's walk, and the group, member and settings use cases.
 */
export { addCycleUsage, toCycleRow } from './cycleQueries.js';
export type { CycleRow } from './cycleQueries.js';
export { cycleViewOf, defaultSettings, ensureCycle, loadSettings, orgsWithEndedCycles } from './cycles.js';
export { createGroup, lockedState, updateGroup } from './groups.js';
export { createMember } from './members.js';
export { findGroups, findSettings } from './queries.js';
export type { GroupRow, SettingsRow } from './queries.js';
export { canManageMember, canSeeGroup, canSeeMember, forbidden, scopeAmong, scopedUsers, scopeOf } from './scope.js';
export type { Scope } from './scope.js';
export { updateSettings } from './settings.js';
export {
  assertWithinBudgets,
  cycleRemaining,
  effectiveExtra,
  figuresOf,
  groupOf,
  loadBudgetState,
  memberBudget,
  memberOf,
  remainingOf,
  withMember,
} from './state.js';
export type { BudgetState } from './state.js';
export { recordCycleUsage } from './usage.js';
