import { describe, expect, it } from 'vitest';
import { FifoQueue } from './fifo-queue.js';
import { MinHeap } from './min-heap.js';

describe('FifoQueue', () => {
  it('keeps FIFO order across compactions', () => {
    const queue = new FifoQueue<number>();
    let next = 0;
    let expected = 0;
    for (let round = 0; round < 50; round += 1) {
      for (let i = 0; i < 100; i += 1) queue.push(next++);
      for (let i = 0; i < 60; i += 1) expect(queue.shift()).toBe(expected++);
    }
    expect(queue.length).toBe(next - expected);
    expect(queue.peek()).toBe(expected);
    while (queue.length > 0) expect(queue.shift()).toBe(expected++);
    expect(queue.shift()).toBeUndefined();
    expect(queue.peek()).toBeUndefined();
  });
});

describe('MinHeap', () => {
  it('pops in key order', () => {
    const heap = new MinHeap<string>();
    const keys = Array.from({ length: 500 }, () => Math.floor(Math.random() * 1000));
    for (const key of keys) heap.push(key, `k${key}`);
    const popped: number[] = [];
    while (heap.length > 0) {
      const key = heap.peekKey()!;
      expect(heap.pop()).toBe(`k${key}`);
      popped.push(key);
    }
    expect(popped).toEqual([...keys].sort((a, b) => a - b));
    expect(heap.pop()).toBeUndefined();
  });
});
