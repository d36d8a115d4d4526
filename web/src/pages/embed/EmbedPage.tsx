import { Center, Paper, Stack, Text, Title } from '@mantine/core';
import { IconClockX } from '@tabler/icons-react';

/** The embed link could not be opened (expired, or not a link at all). */
export function EmbedFailed({ expired, message }: { expired: boolean; message: string }) {
  return <Ended title={expired ? 'This link has expired' : 'This link is not valid'} message={message} />;
}

/** The embedded session ran out while the page was open. */
export function EmbedEnded() {
  return <Ended title="This embedded session has ended" message="The link that opened it has expired." />;
}

function Ended({ title, message }: { title: string; message: string }) {
  return (
    <Center mih="100vh" p="sm">
      <Paper withBorder p="xl" w={460} maw="100%" data-testid="embed-failure">
        <Stack align="center" ta="center">
          <IconClockX size={40} aria-hidden />
          <Title order={3}>{title}</Title>
          <Text c="dimmed">{message}</Text>
          <Text size="sm">Go back to the application you came from and open the billing page again to get a fresh link.</Text>
        </Stack>
      </Paper>
    </Center>
  );
}
