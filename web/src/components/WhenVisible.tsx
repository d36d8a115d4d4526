import { useEffect, useRef, useState, type ReactNode } from 'react';

/**
 * Renders its children (and so starts their queries) only once the place
 * they will occupy comes near the viewport: the first screen of a long page
 * gets the network, the database and the main thread to itself.
 */
export function WhenVisible({ children, minHeight = 240 }: { children: ReactNode; minHeight?: number }) {
  const ref = useRef<HTMLDivElement>(null);
  const [visible, setVisible] = useState(false);
  useEffect(() => {
    const el = ref.current;
    if (!el || visible) return;
    const observer = new IntersectionObserver((entries) => entries.some((e) => e.isIntersecting) && setVisible(true), { rootMargin: '200px' });
    observer.observe(el);
    return () => observer.disconnect();
  }, [visible]);
  return visible ? <>{children}</> : <div ref={ref} style={{ minHeight }} data-state="deferred" />;
}
