CREATE TABLE "cap_counters" (
	"org_id" text NOT NULL,
	"cap_id" text NOT NULL,
	"window_start" timestamp with time zone NOT NULL,
	"used" bigint NOT NULL,
	CONSTRAINT "cap_counters_org_id_cap_id_window_start_pk" PRIMARY KEY("org_id","cap_id","window_start")
);
