-- When an organization API key was last used (issue 11: owners see and revoke keys). Written at most once a minute per key.
ALTER TABLE "api_keys" ADD COLUMN "last_used_at" timestamp with time zone;
