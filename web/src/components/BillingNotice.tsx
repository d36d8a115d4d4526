import { Alert } from '@mantine/core';
import { IconLock } from '@tabler/icons-react';

/** Shown where a role may not see billing detail (SPEC §1). */
export function BillingNotice({ what = 'These billing details' }: { what?: string }) {
  return (
    <Alert color="gray" variant="light" icon={<IconLock size={18} />} data-testid="billing-notice">
      {what} can be seen by an owner or billing admin of your organization.
    </Alert>
  );
}
