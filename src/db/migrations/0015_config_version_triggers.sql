-- Issue 10: every change of an organization's configuration bumps orgs.config_version in the same
-- transaction, so a server compares the version it reads with the organization lock against the one
-- its cached configuration was loaded at. Triggers (not application code) so no writer can forget.
-- TG_ARGV lists columns that hold state rather than configuration (a threshold firing, a cap's
-- alert watermark, an auto-recharge in flight): changing only those does not bump the version.
INSERT INTO "platform_config" ("id", "version") VALUES (1, 0) ON CONFLICT DO NOTHING;
--> statement-breakpoint
CREATE FUNCTION tally_bump_config_version() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  ignored text[] := coalesce(TG_ARGV::text[], '{}');
BEGIN
  IF TG_OP = 'UPDATE' AND (to_jsonb(NEW) - ignored) = (to_jsonb(OLD) - ignored) THEN
    RETURN NULL;
  END IF;
  IF TG_OP <> 'INSERT' THEN
    UPDATE orgs SET config_version = config_version + 1 WHERE id = OLD.org_id;
  END IF;
  IF TG_OP <> 'DELETE' AND (TG_OP = 'INSERT' OR NEW.org_id IS DISTINCT FROM OLD.org_id) THEN
    UPDATE orgs SET config_version = config_version + 1 WHERE id = NEW.org_id;
  END IF;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE FUNCTION tally_bump_platform_config_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE platform_config SET version = version + 1 WHERE id = 1;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER config_version AFTER INSERT OR UPDATE OR DELETE ON org_settings FOR EACH ROW EXECUTE FUNCTION tally_bump_config_version();
--> statement-breakpoint
CREATE TRIGGER config_version AFTER INSERT OR UPDATE OR DELETE ON org_meters FOR EACH ROW EXECUTE FUNCTION tally_bump_config_version();
--> statement-breakpoint
CREATE TRIGGER config_version AFTER INSERT OR UPDATE OR DELETE ON plans FOR EACH ROW EXECUTE FUNCTION tally_bump_config_version();
--> statement-breakpoint
CREATE TRIGGER config_version AFTER INSERT OR UPDATE OR DELETE ON groups FOR EACH ROW EXECUTE FUNCTION tally_bump_config_version();
--> statement-breakpoint
CREATE TRIGGER config_version AFTER INSERT OR UPDATE OR DELETE ON members FOR EACH ROW EXECUTE FUNCTION tally_bump_config_version();
--> statement-breakpoint
CREATE TRIGGER config_version AFTER INSERT OR UPDATE OR DELETE ON alert_settings FOR EACH ROW EXECUTE FUNCTION tally_bump_config_version();
--> statement-breakpoint
CREATE TRIGGER config_version AFTER INSERT OR UPDATE OR DELETE ON alert_thresholds FOR EACH ROW EXECUTE FUNCTION tally_bump_config_version('state', 'changed_at');
--> statement-breakpoint
CREATE TRIGGER config_version AFTER INSERT OR UPDATE OR DELETE ON auto_recharge FOR EACH ROW EXECUTE FUNCTION tally_bump_config_version('in_flight_purchase_id', 'last_started_at', 'last_failed_at');
--> statement-breakpoint
CREATE TRIGGER config_version AFTER INSERT OR UPDATE OR DELETE ON caps FOR EACH ROW EXECUTE FUNCTION tally_bump_config_version('window_start', 'notified_pct');
--> statement-breakpoint
CREATE TRIGGER config_version AFTER INSERT OR UPDATE OR DELETE ON meters FOR EACH STATEMENT EXECUTE FUNCTION tally_bump_platform_config_version();
