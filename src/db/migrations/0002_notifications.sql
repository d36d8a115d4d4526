CREATE TABLE "alert_settings" (
	"org_id" text PRIMARY KEY NOT NULL,
	"emails" jsonb NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "alert_thresholds" (
	"org_id" text NOT NULL,
	"id" text NOT NULL,
	"credits" bigint,
	"pct_bp" integer,
	"state" text NOT NULL,
	"changed_at" timestamp with time zone NOT NULL,
	CONSTRAINT "alert_thresholds_org_id_id_pk" PRIMARY KEY("org_id","id"),
	CONSTRAINT "alert_threshold_one_kind" CHECK (("alert_thresholds"."credits" is null) <> ("alert_thresholds"."pct_bp" is null)),
	CONSTRAINT "alert_threshold_credits" CHECK ("alert_thresholds"."credits" is null or "alert_thresholds"."credits" >= 0)
);
--> statement-breakpoint
CREATE TABLE "auto_recharge" (
	"org_id" text PRIMARY KEY NOT NULL,
	"enabled" boolean NOT NULL,
	"threshold" bigint NOT NULL,
	"amount" bigint NOT NULL,
	"max_per_month" integer NOT NULL,
	"cooldown_minutes" integer NOT NULL,
	"in_flight_purchase_id" text,
	"last_started_at" timestamp with time zone,
	"last_failed_at" timestamp with time zone,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "grant_depletions" (
	"org_id" text NOT NULL,
	"grant_id" text NOT NULL,
	"notified_at" timestamp with time zone NOT NULL,
	CONSTRAINT "grant_depletions_org_id_grant_id_pk" PRIMARY KEY("org_id","grant_id")
);
--> statement-breakpoint
CREATE TABLE "notifications" (
	"org_id" text NOT NULL,
	"id" text NOT NULL,
	"type" text NOT NULL,
	"data" jsonb NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	CONSTRAINT "notifications_org_id_id_pk" PRIMARY KEY("org_id","id")
);
--> statement-breakpoint
CREATE TABLE "outbox" (
	"org_id" text NOT NULL,
	"id" text NOT NULL,
	"notification_id" text NOT NULL,
	"channel" text NOT NULL,
	"endpoint_id" text,
	"recipients" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"status" text NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"next_attempt_at" timestamp with time zone NOT NULL,
	"delivered_at" timestamp with time zone,
	"last_error" text,
	"created_at" timestamp with time zone NOT NULL,
	CONSTRAINT "outbox_org_id_id_pk" PRIMARY KEY("org_id","id")
);
--> statement-breakpoint
CREATE TABLE "outbox_attempts" (
	"org_id" text NOT NULL,
	"outbox_id" text NOT NULL,
	"attempt" integer NOT NULL,
	"attempted_at" timestamp with time zone NOT NULL,
	"ok" boolean NOT NULL,
	"status_code" integer,
	"error" text,
	CONSTRAINT "outbox_attempts_org_id_outbox_id_attempt_pk" PRIMARY KEY("org_id","outbox_id","attempt")
);
--> statement-breakpoint
CREATE TABLE "purchases" (
	"org_id" text NOT NULL,
	"id" text NOT NULL,
	"grant_id" text NOT NULL,
	"amount" bigint NOT NULL,
	"price_usd" bigint,
	"status" text NOT NULL,
	"origin" text NOT NULL,
	"provider" text NOT NULL,
	"provider_ref" text,
	"idempotency_key" text NOT NULL,
	"failure_reason" text,
	"actor" text,
	"created_at" timestamp with time zone NOT NULL,
	"paid_at" timestamp with time zone,
	"failed_at" timestamp with time zone,
	CONSTRAINT "purchases_org_id_id_pk" PRIMARY KEY("org_id","id"),
	CONSTRAINT "purchases_amount_positive" CHECK ("purchases"."amount" > 0)
);
--> statement-breakpoint
CREATE TABLE "webhook_endpoints" (
	"org_id" text NOT NULL,
	"id" text NOT NULL,
	"url" text NOT NULL,
	"events" jsonb NOT NULL,
	"enabled" boolean NOT NULL,
	"secret" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	"deleted_at" timestamp with time zone,
	CONSTRAINT "webhook_endpoints_org_id_id_pk" PRIMARY KEY("org_id","id")
);
--> statement-breakpoint
CREATE INDEX "outbox_due" ON "outbox" USING btree ("status","next_attempt_at");--> statement-breakpoint
CREATE INDEX "outbox_notification" ON "outbox" USING btree ("org_id","notification_id");--> statement-breakpoint
CREATE INDEX "outbox_endpoint" ON "outbox" USING btree ("org_id","endpoint_id");--> statement-breakpoint
CREATE UNIQUE INDEX "purchases_idempotency" ON "purchases" USING btree ("org_id","idempotency_key");