import { Center, Paper, Stack, Text, Title } from '@mantine/core';
import { IconClockX } from '@tabler/icons-react';
import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { useNavigate, useParams } from 'react-router';
import { TallyApiError } from '../../../../src/client/index.js';
import { api, credentials } from '../../api.js';
import { Loading } from '../../components/States.js';

/** Opens the dashboard as the embed token's member, without a password, until the token expires. */
export function EmbedPage() {
  const { token = '' } = useParams();
  const navigate = useNavigate();
  const client = useQueryClient();
  const [failure, setFailure] = useState<{ expired: boolean; message: string } | null>(null);

  useEffect(() => {
    let cancelled = false;
    api
      .openEmbed(token)
      .then(async (opened) => {
        if (cancelled) return;
        credentials.useEmbed(opened.session_token);
        await client.resetQueries();
        navigate('/', { replace: true });
      })
      .catch((e: unknown) => {
        if (cancelled) return;
        credentials.clear();
        const expired = e instanceof TallyApiError && e.code === 'embed_link_expired';
        setFailure({ expired, message: e instanceof Error ? e.message : 'This link could not be opened.' });
      });
    return () => {
      cancelled = true;
    };
  }, [token, navigate, client]);

  if (!failure) return <Loading label="Opening the dashboard…" />;
  return <Ended title={failure.expired ? 'This link has expired' : 'This link is not valid'} message={failure.message} />;
}

/** The embedded session ran out while the page was open. */
export function EmbedEnded() {
  return <Ended title="This embedded session has ended" message="The link that opened it has expired." />;
}

function Ended({ title, message }: { title: string; message: string }) {
  return (
    <Center mih="100vh">
      <Paper withBorder p="xl" w={460} data-testid="embed-failure">
        <Stack align="center" ta="center">
          <IconClockX size={40} />
          <Title order={3}>{title}</Title>
          <Text c="dimmed">{message}</Text>
          <Text size="sm">Go back to the application you came from and open the billing page again to get a fresh link.</Text>
        </Stack>
      </Paper>
    </Center>
  );
}
