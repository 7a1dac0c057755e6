package io.pagedstream.engine.kv;

/** Copies KV blocks within the device cache: copy-on-write of a block that samples share. */
@FunctionalInterface
public interface BlockCopier {

  /** Copies every slot of block {@code from} into block {@code to}, in every layer. */
  void copy(int from, int to);
}
