CREATE TABLE "customer_aliases" (
	"alias" text NOT NULL,
	"org_id" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	CONSTRAINT "customer_aliases_alias_pk" PRIMARY KEY("alias")
);
--> statement-breakpoint
ALTER TABLE "meters" ADD COLUMN "value_path" text;--> statement-breakpoint
ALTER TABLE "org_meters" ADD COLUMN "value_path" text;--> statement-breakpoint
CREATE INDEX "customer_aliases_org" ON "customer_aliases" USING btree ("org_id");