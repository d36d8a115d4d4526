CREATE TABLE "alert_rule_states" (
	"org_id" text NOT NULL,
	"rule_id" text NOT NULL,
	"subject" text NOT NULL,
	"state" text NOT NULL,
	"data" jsonb NOT NULL,
	"changed_at" timestamp with time zone NOT NULL,
	CONSTRAINT "alert_rule_states_org_id_rule_id_subject_pk" PRIMARY KEY("org_id","rule_id","subject")
);
--> statement-breakpoint
CREATE TABLE "alert_rules" (
	"org_id" text NOT NULL,
	"id" text NOT NULL,
	"type" text NOT NULL,
	"config" jsonb NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	CONSTRAINT "alert_rules_org_id_id_pk" PRIMARY KEY("org_id","id")
);
