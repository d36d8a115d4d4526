CREATE TABLE "invoices" (
	"org_id" text NOT NULL,
	"id" text NOT NULL,
	"period" text NOT NULL,
	"status" text NOT NULL,
	"lines" jsonb NOT NULL,
	"subtotal_usd" bigint NOT NULL,
	"credits_applied" bigint NOT NULL,
	"credits_applied_usd" bigint NOT NULL,
	"amount_due_usd" bigint NOT NULL,
	"issued_at" timestamp with time zone NOT NULL,
	"paid_at" timestamp with time zone,
	"voided_at" timestamp with time zone,
	CONSTRAINT "invoices_org_id_id_pk" PRIMARY KEY("org_id","id")
);
--> statement-breakpoint
CREATE TABLE "job_runs" (
	"job" text NOT NULL,
	"org_id" text NOT NULL,
	"due_key" text NOT NULL,
	"instance" text NOT NULL,
	"done_at" timestamp with time zone NOT NULL,
	CONSTRAINT "job_runs_job_org_id_due_key_pk" PRIMARY KEY("job","org_id","due_key")
);
--> statement-breakpoint
CREATE TABLE "ledger_daily" (
	"org_id" text NOT NULL,
	"day" date NOT NULL,
	"purchased" bigint NOT NULL,
	"granted" bigint NOT NULL,
	"adjustments" bigint NOT NULL,
	"consumed" bigint NOT NULL,
	"overage" bigint NOT NULL,
	"expired" bigint NOT NULL,
	"net" bigint NOT NULL,
	CONSTRAINT "ledger_daily_org_id_day_pk" PRIMARY KEY("org_id","day")
);
--> statement-breakpoint
CREATE TABLE "ledger_fold" (
	"org_id" text PRIMARY KEY NOT NULL,
	"last_entry_id" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "plans" (
	"org_id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"limits" jsonb NOT NULL,
	"allowances" jsonb NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "statement_days" (
	"org_id" text NOT NULL,
	"period" text NOT NULL,
	"day" date NOT NULL,
	"top_ups" bigint NOT NULL,
	"credits_used" bigint NOT NULL,
	"expired" bigint NOT NULL,
	"balance" bigint NOT NULL,
	CONSTRAINT "statement_days_org_id_period_day_pk" PRIMARY KEY("org_id","period","day")
);
--> statement-breakpoint
CREATE TABLE "statements" (
	"org_id" text NOT NULL,
	"period" text NOT NULL,
	"starts_at" timestamp with time zone NOT NULL,
	"ends_at" timestamp with time zone NOT NULL,
	"brought_forward" bigint NOT NULL,
	"purchased" bigint NOT NULL,
	"granted" bigint NOT NULL,
	"adjustments" bigint NOT NULL,
	"consumed" bigint NOT NULL,
	"expired" bigint NOT NULL,
	"closing" bigint NOT NULL,
	"closed_at" timestamp with time zone NOT NULL,
	CONSTRAINT "statements_org_id_period_pk" PRIMARY KEY("org_id","period")
);
--> statement-breakpoint
CREATE INDEX "invoices_period" ON "invoices" USING btree ("org_id","period");