package io.pagedstream.batcher;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * {@link OpenBatch} in the state store and its changelog: a version byte, then the fields. Internal
 * state only, read by no one but this class, so it needs no schema registry (and keeps working
 * while the registry is down); the version byte leaves room to change the layout.
 */
final class OpenBatchSerde implements Serde<OpenBatch> {

  /**
   * 2 added the route; 1 (no route) is still read, so a batcher restores its predecessor's stores.
   */
  private static final byte VERSION = 2;

  @Override
  public Serializer<OpenBatch> serializer() {
    return (topic, batch) -> batch == null ? null : write(batch);
  }

  @Override
  public Deserializer<OpenBatch> deserializer() {
    return (topic, bytes) -> bytes == null ? null : read(topic, bytes);
  }

  static byte[] write(OpenBatch batch) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(64);
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeByte(VERSION);
      out.writeUTF(batch.batchId());
      out.writeLong(batch.openedAtMs());
      out.writeInt(batch.blocks());
      out.writeInt(batch.requests());
      out.writeInt(batch.route());
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a ByteArrayOutputStream does not throw
    }
    return bytes.toByteArray();
  }

  static OpenBatch read(String topic, byte[] bytes) {
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
      byte version = in.readByte();
      if (version != 1 && version != VERSION) {
        throw new SerializationException(
            "open batch in "
                + topic
                + " has layout version "
                + version
                + "; this batcher reads versions 1 to "
                + VERSION);
      }
      OpenBatch batch =
          new OpenBatch(
              in.readUTF(),
              in.readLong(),
              in.readInt(),
              in.readInt(),
              version == 1 ? PrefixRoute.NONE : in.readInt());
      if (in.available() > 0) {
        throw new SerializationException(
            "open batch in " + topic + " has " + in.available() + " trailing bytes");
      }
      return batch;
    } catch (IOException | IllegalArgumentException e) {
      throw new SerializationException("cannot read an open batch from " + topic + ": " + e, e);
    }
  }
}
