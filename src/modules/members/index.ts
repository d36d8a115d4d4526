/** What other modules use of members: reading them (allocations, caps, plan, usage, alerts), and the writes of allocations and requests. */
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
} from './service.js';
export type { MemberRow } from './service.js';
