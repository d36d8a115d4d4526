import { Table, UnstyledButton } from '@mantine/core';
import { IconChevronDown, IconChevronUp, IconSelector } from '@tabler/icons-react';
import { useState, type ReactNode } from 'react';

export function useSort<C extends string>(initial: C, initialAsc = true) {
  const [state, setState] = useState({ col: initial, asc: initialAsc });
  return {
    col: state.col,
    asc: state.asc,
    toggle: (col: C) => setState((s) => (s.col === col ? { col, asc: !s.asc } : { col, asc: true })),
  };
}

/** A column header that sorts its table; a button, so the keyboard reaches it. */
export function SortHeader<C extends string>({ sort, col, children }: { sort: ReturnType<typeof useSort<C>>; col: C; children: ReactNode }) {
  const active = sort.col === col;
  const Icon = active ? (sort.asc ? IconChevronUp : IconChevronDown) : IconSelector;
  return (
    <Table.Th aria-sort={active ? (sort.asc ? 'ascending' : 'descending') : 'none'}>
      <UnstyledButton onClick={() => sort.toggle(col)} style={{ display: 'inline-flex', alignItems: 'center', gap: 4, fontWeight: 700, fontSize: 'inherit' }}>
        {children}
        <Icon size={14} />
      </UnstyledButton>
    </Table.Th>
  );
}
