import { bigint, timestamp } from 'drizzle-orm/pg-core';

/** Micro-credits or micro-dollars: always bigint, never a float. */
export const micro = (name: string) => bigint(name, { mode: 'bigint' });
export const instant = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });
