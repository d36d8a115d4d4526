CREATE TABLE "audit_log" (
	"org_id" text NOT NULL,
	"id" text NOT NULL,
	"actor" text NOT NULL,
	"action" text NOT NULL,
	"target" text NOT NULL,
	"before" jsonb,
	"after" jsonb,
	"at" timestamp with time zone NOT NULL,
	CONSTRAINT "audit_log_org_id_id_pk" PRIMARY KEY("org_id","id")
);
--> statement-breakpoint
CREATE TABLE "credit_requests" (
	"org_id" text NOT NULL,
	"id" text NOT NULL,
	"member_id" text NOT NULL,
	"requester_name" text NOT NULL,
	"requester_email" text NOT NULL,
	"group_id" text NOT NULL,
	"cycle_id" text NOT NULL,
	"amount" bigint NOT NULL,
	"approved_amount" bigint,
	"reason" text NOT NULL,
	"status" text NOT NULL,
	"note" text,
	"decided_by" text,
	"decided_at" timestamp with time zone,
	"created_at" timestamp with time zone NOT NULL,
	CONSTRAINT "credit_requests_org_id_id_pk" PRIMARY KEY("org_id","id")
);
--> statement-breakpoint
CREATE TABLE "cycle_usage" (
	"org_id" text NOT NULL,
	"cycle_id" text NOT NULL,
	"member_id" text NOT NULL,
	"used" bigint NOT NULL,
	CONSTRAINT "cycle_usage_org_id_cycle_id_member_id_pk" PRIMARY KEY("org_id","cycle_id","member_id")
);
--> statement-breakpoint
CREATE TABLE "cycles" (
	"org_id" text NOT NULL,
	"id" text NOT NULL,
	"seq" integer NOT NULL,
	"starts_at" timestamp with time zone NOT NULL,
	"ends_at" timestamp with time zone NOT NULL,
	"cadence" text NOT NULL,
	"credits_per_cycle" bigint,
	"closed_at" timestamp with time zone,
	CONSTRAINT "cycles_org_id_id_pk" PRIMARY KEY("org_id","id")
);
--> statement-breakpoint
CREATE TABLE "groups" (
	"org_id" text NOT NULL,
	"id" text NOT NULL,
	"name" text NOT NULL,
	"is_default" boolean DEFAULT false NOT NULL,
	"monthly_allocation" bigint NOT NULL,
	"extra" bigint NOT NULL,
	"extra_cycle_id" text,
	"auto_approve_reserve" bigint NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	CONSTRAINT "groups_org_id_id_pk" PRIMARY KEY("org_id","id")
);
--> statement-breakpoint
CREATE TABLE "holds" (
	"org_id" text NOT NULL,
	"id" text NOT NULL,
	"member_id" text NOT NULL,
	"amount" bigint NOT NULL,
	"captured_amount" bigint,
	"job_id" text,
	"status" text NOT NULL,
	"expires_at" timestamp with time zone,
	"created_at" timestamp with time zone NOT NULL,
	"closed_at" timestamp with time zone,
	"actor" text NOT NULL,
	CONSTRAINT "holds_org_id_id_pk" PRIMARY KEY("org_id","id")
);
--> statement-breakpoint
CREATE TABLE "members" (
	"org_id" text NOT NULL,
	"id" text NOT NULL,
	"email" text NOT NULL,
	"name" text NOT NULL,
	"role" text NOT NULL,
	"group_id" text NOT NULL,
	"monthly" bigint,
	"extra" bigint NOT NULL,
	"extra_cycle_id" text,
	"managed_group_ids" text[] DEFAULT '{}'::text[] NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	CONSTRAINT "members_org_id_id_pk" PRIMARY KEY("org_id","id")
);
--> statement-breakpoint
CREATE TABLE "org_settings" (
	"org_id" text PRIMARY KEY NOT NULL,
	"credits_per_cycle" bigint,
	"cycle_cadence" text NOT NULL,
	"cycle_anchor" timestamp with time zone NOT NULL,
	"credits_per_new_user" bigint DEFAULT 0 NOT NULL,
	"capture_excess_pct" integer DEFAULT 0 NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE INDEX "audit_action" ON "audit_log" USING btree ("org_id","action","id");--> statement-breakpoint
CREATE INDEX "credit_requests_status" ON "credit_requests" USING btree ("org_id","status","id");--> statement-breakpoint
CREATE UNIQUE INDEX "cycles_seq" ON "cycles" USING btree ("org_id","seq");--> statement-breakpoint
CREATE UNIQUE INDEX "groups_name" ON "groups" USING btree ("org_id",lower("name"));--> statement-breakpoint
CREATE INDEX "holds_open" ON "holds" USING btree ("org_id","status","expires_at");--> statement-breakpoint
CREATE UNIQUE INDEX "members_email" ON "members" USING btree ("org_id",lower("email"));--> statement-breakpoint
CREATE INDEX "members_group" ON "members" USING btree ("org_id","group_id");