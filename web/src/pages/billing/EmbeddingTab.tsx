import { Alert, Button, Code, Group, Stack, Text, Textarea } from '@mantine/core';
import { IconCheck } from '@tabler/icons-react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import type { Org } from '../../../../src/client/index.js';
import { api, locale } from '../../api.js';
import { countOf } from '../../readable.js';
import { Section } from '../../components/Section.js';
import type { SignedIn } from '../../session.js';
import { useSignedIn } from '../../session.js';

/** The same rule the server applies (PATCH /v1/orgs/{org}); the server's answer is still the one shown on save. */
function originProblem(line: string): string | null {
  try {
    const url = new URL(line);
    const bare = url.pathname === '/' && !url.search && !url.hash && !url.username && !url.password && !url.hostname.includes('*');
    return (url.protocol === 'https:' || url.protocol === 'http:') && bare ? null : `"${line}" is not an origin`;
  } catch {
    return `"${line}" is not an origin`;
  }
}

/** Which sites may show this organization's dashboard and widgets in a frame (embed_origins). */
export function EmbeddingTab() {
  const { session, org } = useSignedIn();
  const client = useQueryClient();
  const [text, setText] = useState(org.embed_origins.join('\n'));
  const [saved, setSaved] = useState(false);
  const lines = text
    .split(/[\s,]+/)
    .map((l) => l.trim())
    .filter(Boolean);
  const problem = lines.map(originProblem).find((p) => p !== null) ?? null;
  const save = useMutation({
    mutationFn: () => api.request<Org>('PATCH', `/v1/orgs/${encodeURIComponent(session.org_id)}`, { embed_origins: lines }),
    onSuccess: (updated) => {
      client.setQueryData<SignedIn>(['session'], (s) => (s ? { ...s, org: updated } : s));
      setText(updated.embed_origins.join('\n'));
      setSaved(true);
    },
  });
  return (
    <Section title="Embedding" testId="embedding-settings">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          setSaved(false);
          if (!problem) save.mutate();
        }}
      >
        <Stack gap="xs" maw={560}>
          <Text size="sm" c="dimmed">
            Sites allowed to show this dashboard and its widgets inside their pages, one origin per line, such as <Code>https://app.example.com</Code>. Browsers
            refuse the frame on any other site. Leave empty to allow none.
          </Text>
          <Textarea
            label="Allowed origins"
            autosize
            minRows={3}
            value={text}
            onChange={(e) => {
              setText(e.currentTarget.value);
              setSaved(false);
            }}
            error={problem ? `${problem}: write it as https://host or https://host:port, without a path.` : null}
            data-testid="embed-origins-input"
          />
          {save.isError && (
            <Text c="red" size="sm" role="alert">
              {save.error.message}
            </Text>
          )}
          {saved && (
            <Alert color="green" icon={<IconCheck size={18} />} role="status" data-testid="embedding-saved">
              Saved: {lines.length === 0 ? 'no site may embed the dashboard.' : `${countOf(lines.length, 'site', 'sites', locale)} may embed the dashboard.`}
            </Alert>
          )}
          <Group>
            <Button type="submit" loading={save.isPending} disabled={!!problem}>
              Save origins
            </Button>
          </Group>
        </Stack>
      </form>
    </Section>
  );
}
