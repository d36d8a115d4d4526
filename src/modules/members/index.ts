/**
 * What other modules use of members: the table's reads and writes, each taking the caller's transaction
 * (`q`/`tx`). Members have no use case of their own: a member is read or changed inside the use case that
 * needs it (allocations' member and group changes, requests, caps, plan seats, alert recipients, a key's
 * member), so this surface offers queries.ts by name (SQL_ON_SURFACE in .dependency-cruiser.cjs).
 */
export {
  billingEmails,
  countMembers,
  deleteMemberRow,
  findMember,
  findMemberIdsInGroups,
  findMembers,
  groupOfMember,
  groupsOfMembers,
  memberExists,
  memberNames,
  releaseGroup,
  setMemberExtra,
  writeMember,
} from './queries.js';
export type { MemberFilter, MemberRow } from './queries.js';
