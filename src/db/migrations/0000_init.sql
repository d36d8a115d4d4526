CREATE TABLE "accounts" (
	"org_id" text NOT NULL,
	"account" text NOT NULL,
	"balance" bigint NOT NULL,
	CONSTRAINT "accounts_org_id_account_pk" PRIMARY KEY("org_id","account")
);
--> statement-breakpoint
CREATE TABLE "api_keys" (
	"org_id" text NOT NULL,
	"id" text NOT NULL,
	"name" text NOT NULL,
	"role" text NOT NULL,
	"member_id" text,
	"secret_hash" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"revoked_at" timestamp with time zone,
	CONSTRAINT "api_keys_org_id_id_pk" PRIMARY KEY("org_id","id")
);
--> statement-breakpoint
CREATE TABLE "blocks" (
	"org_id" text NOT NULL,
	"id" text NOT NULL,
	"grant_id" text NOT NULL,
	"seq" bigint GENERATED ALWAYS AS IDENTITY (sequence name "blocks_seq_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"amount" bigint NOT NULL,
	"remaining" bigint NOT NULL,
	"starts_at" timestamp with time zone NOT NULL,
	"expires_at" timestamp with time zone,
	"expiry_booked_at" timestamp with time zone,
	"expired_amount" bigint DEFAULT 0 NOT NULL,
	CONSTRAINT "blocks_org_id_id_pk" PRIMARY KEY("org_id","id"),
	CONSTRAINT "blocks_remaining_not_negative" CHECK ("blocks"."remaining" >= 0)
);
--> statement-breakpoint
CREATE TABLE "grants" (
	"org_id" text NOT NULL,
	"id" text NOT NULL,
	"name" text NOT NULL,
	"source" text NOT NULL,
	"priority" integer NOT NULL,
	"metadata" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"pending_payment" boolean DEFAULT false NOT NULL,
	"voided_at" timestamp with time zone,
	"created_at" timestamp with time zone NOT NULL,
	CONSTRAINT "grants_org_id_id_pk" PRIMARY KEY("org_id","id")
);
--> statement-breakpoint
CREATE TABLE "idempotency_keys" (
	"org_id" text NOT NULL,
	"scope" text NOT NULL,
	"key" text NOT NULL,
	"request_hash" text NOT NULL,
	"status_code" integer NOT NULL,
	"body" jsonb NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	CONSTRAINT "idempotency_keys_org_id_scope_key_pk" PRIMARY KEY("org_id","scope","key")
);
--> statement-breakpoint
CREATE TABLE "ledger_entries" (
	"org_id" text NOT NULL,
	"id" bigint GENERATED ALWAYS AS IDENTITY (sequence name "ledger_entries_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"type" text NOT NULL,
	"amount" bigint NOT NULL,
	"from_account" text NOT NULL,
	"to_account" text NOT NULL,
	"block_id" text,
	"block_balance_after" bigint,
	"grant_id" text,
	"occurred_at" timestamp with time zone NOT NULL,
	"recorded_at" timestamp with time zone NOT NULL,
	"event_id" text,
	"ref" text,
	"actor" text,
	CONSTRAINT "ledger_entries_org_id_id_pk" PRIMARY KEY("org_id","id"),
	CONSTRAINT "ledger_amount_positive" CHECK ("ledger_entries"."amount" > 0),
	CONSTRAINT "ledger_two_accounts" CHECK ("ledger_entries"."from_account" <> "ledger_entries"."to_account")
);
--> statement-breakpoint
CREATE TABLE "orgs" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"timezone" text NOT NULL,
	"credit_factor" bigint NOT NULL,
	"grace_days" integer DEFAULT 35 NOT NULL,
	"overage" text DEFAULT 'deny' NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "events" (
	"org_id" text NOT NULL,
	"id" text NOT NULL,
	"meter" text NOT NULL,
	"quantity" bigint NOT NULL,
	"timestamp" timestamp with time zone NOT NULL,
	"recorded_at" timestamp with time zone NOT NULL,
	"user_id" text,
	"project" text,
	"resource_class" text,
	"job_id" text,
	"job_name" text,
	"properties" jsonb,
	"cost_credits" bigint NOT NULL,
	"cost_usd" bigint,
	"overage" bigint NOT NULL,
	CONSTRAINT "events_org_id_id_pk" PRIMARY KEY("org_id","id")
);
--> statement-breakpoint
CREATE TABLE "job_daily" (
	"org_id" text NOT NULL,
	"day" date NOT NULL,
	"job_id" text NOT NULL,
	"name" text NOT NULL,
	"project" text NOT NULL,
	"user_id" text NOT NULL,
	"resource_class" text NOT NULL,
	"credits" bigint NOT NULL,
	CONSTRAINT "job_daily_org_id_day_job_id_pk" PRIMARY KEY("org_id","day","job_id")
);
--> statement-breakpoint
CREATE TABLE "meters" (
	"key" text NOT NULL,
	"name" text NOT NULL,
	"unit" text NOT NULL,
	"category" text NOT NULL,
	"aggregation" text NOT NULL,
	"unit_price" bigint NOT NULL,
	"price_currency" text NOT NULL,
	"resource_class_prices" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	CONSTRAINT "meters_key_pk" PRIMARY KEY("key")
);
--> statement-breakpoint
CREATE TABLE "org_meters" (
	"org_id" text NOT NULL,
	"key" text NOT NULL,
	"name" text NOT NULL,
	"unit" text NOT NULL,
	"category" text NOT NULL,
	"aggregation" text NOT NULL,
	"unit_price" bigint NOT NULL,
	"price_currency" text NOT NULL,
	"resource_class_prices" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	CONSTRAINT "org_meters_org_id_key_pk" PRIMARY KEY("org_id","key")
);
--> statement-breakpoint
CREATE TABLE "usage_daily" (
	"org_id" text NOT NULL,
	"day" date NOT NULL,
	"meter" text NOT NULL,
	"user_id" text NOT NULL,
	"project" text NOT NULL,
	"resource_class" text NOT NULL,
	"events" integer NOT NULL,
	"quantity" bigint NOT NULL,
	"credits" bigint NOT NULL,
	"usd" bigint NOT NULL,
	CONSTRAINT "usage_daily_org_id_day_meter_user_id_project_resource_class_pk" PRIMARY KEY("org_id","day","meter","user_id","project","resource_class")
);
--> statement-breakpoint
CREATE TABLE "usage_hourly" (
	"org_id" text NOT NULL,
	"hour" timestamp with time zone NOT NULL,
	"meter" text NOT NULL,
	"events" integer NOT NULL,
	"quantity" bigint NOT NULL,
	"max_quantity" bigint NOT NULL,
	"credits" bigint NOT NULL,
	"usd" bigint NOT NULL,
	CONSTRAINT "usage_hourly_org_id_hour_meter_pk" PRIMARY KEY("org_id","hour","meter")
);
--> statement-breakpoint
CREATE INDEX "api_keys_hash" ON "api_keys" USING btree ("org_id","secret_hash");--> statement-breakpoint
CREATE INDEX "blocks_grant" ON "blocks" USING btree ("org_id","grant_id");--> statement-breakpoint
CREATE INDEX "ledger_block" ON "ledger_entries" USING btree ("org_id","block_id","id");--> statement-breakpoint
CREATE INDEX "ledger_grant" ON "ledger_entries" USING btree ("org_id","grant_id","id");--> statement-breakpoint
CREATE INDEX "ledger_occurred" ON "ledger_entries" USING btree ("org_id","occurred_at");--> statement-breakpoint
CREATE INDEX "events_time" ON "events" USING btree ("org_id","timestamp","id");--> statement-breakpoint
CREATE INDEX "job_daily_day" ON "job_daily" USING btree ("org_id","day");