CREATE TABLE "platform_config" (
	"id" integer PRIMARY KEY NOT NULL,
	"version" bigint DEFAULT 0 NOT NULL
);
--> statement-breakpoint
ALTER TABLE "orgs" ADD COLUMN "config_version" bigint DEFAULT 0 NOT NULL;