import { useCallback, useRef } from 'react';
import { useHost } from './host.js';

/**
 * A ref for the element holding the page's content: while embedded, its
 * height (plus the padding below it) is sent to the host page whenever it
 * changes, so the host can size the iframe to fit. The shell itself is at
 * least as tall as the frame, so the content, not the document, is measured.
 */
export function useReportHeight(paddingBelow: number) {
  const { embedded, post } = useHost();
  const last = useRef(0);
  const observer = useRef<ResizeObserver | null>(null);
  return useCallback(
    (element: HTMLElement | null) => {
      observer.current?.disconnect();
      observer.current = null;
      if (!embedded || !element) return;
      const report = () => {
        const height = Math.ceil(element.getBoundingClientRect().bottom + window.scrollY + paddingBelow);
        if (height === last.current) return;
        last.current = height;
        post({ type: 'tally:height', height });
      };
      observer.current = new ResizeObserver(report);
      observer.current.observe(element);
      report();
    },
    [embedded, post, paddingBelow],
  );
}
