/**
 * What other modules may call about members. The functions take the caller's
 * transaction (`q`/`tx`): a member is read or changed inside the use case that
 * needs it (allocations, requests, caps, plan seats, alert recipients).
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
  type MemberFilter,
  type MemberRow,
} from './queries.js';
