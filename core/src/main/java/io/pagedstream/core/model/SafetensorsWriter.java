package io.pagedstream.core.model;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Supplier;

/**
 * Writes a {@code .safetensors} file, the inverse of {@link SafetensorsReader} (which reads back
 * everything written here). Values are produced one tensor at a time so a model of hundreds of
 * megabytes never sits in the heap twice.
 */
public final class SafetensorsWriter {

  /** A tensor to write: its values are asked for only when its turn comes. */
  public record Entry(String name, String dtype, long[] shape, Supplier<float[]> values) {}

  private static final ObjectMapper JSON = new ObjectMapper();

  private SafetensorsWriter() {}

  public static void write(Path path, List<Entry> entries) throws IOException {
    ObjectNode header = JSON.createObjectNode();
    header.putObject("__metadata__").put("format", "pt");
    long offset = 0;
    for (Entry e : entries) {
      int width = TensorInfo.dtypeBytes(e.dtype());
      if (width < 0) {
        throw new IllegalArgumentException("cannot write dtype " + e.dtype());
      }
      long bytes = new TensorInfo(e.name(), e.dtype(), e.shape(), 0, 0).elementCount() * width;
      ObjectNode t = header.putObject(e.name());
      t.put("dtype", e.dtype());
      var shape = t.putArray("shape");
      for (long d : e.shape()) {
        shape.add(d);
      }
      t.putArray("data_offsets").add(offset).add(offset + bytes);
      offset += bytes;
    }
    byte[] json = JSON.writeValueAsBytes(header);
    // pad the header with spaces so the data starts 8-byte aligned, as the reference writer does
    int padded = (json.length + 7) / 8 * 8;
    byte[] headerBytes = new byte[padded];
    System.arraycopy(json, 0, headerBytes, 0, json.length);
    for (int i = json.length; i < padded; i++) {
      headerBytes[i] = ' ';
    }
    Files.createDirectories(path.toAbsolutePath().getParent());
    try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(path), 1 << 20)) {
      out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded).array());
      out.write(headerBytes);
      for (Entry e : entries) {
        float[] v = e.values().get();
        long expected = new TensorInfo(e.name(), e.dtype(), e.shape(), 0, 0).elementCount();
        if (v.length != expected) {
          throw new IllegalArgumentException(
              "tensor " + e.name() + " has " + v.length + " values, shape needs " + expected);
        }
        writeValues(out, e.dtype(), v);
      }
    }
  }

  private static void writeValues(OutputStream out, String dtype, float[] v) throws IOException {
    int width = TensorInfo.dtypeBytes(dtype);
    ByteBuffer buf = ByteBuffer.allocate(64 * 1024).order(ByteOrder.LITTLE_ENDIAN);
    for (float f : v) {
      if (buf.remaining() < width) {
        out.write(buf.array(), 0, buf.position());
        buf.clear();
      }
      switch (dtype) {
        case "F32" -> buf.putFloat(f);
        case "F16" -> buf.putShort(HalfFloat.fromFloat(f));
        default -> buf.putShort(toBf16(f));
      }
    }
    out.write(buf.array(), 0, buf.position());
  }

  private static short toBf16(float f) {
    int bits = Float.floatToRawIntBits(f);
    if (Float.isNaN(f)) {
      return (short) 0x7fc0;
    }
    int rounding = 0x7fff + ((bits >>> 16) & 1);
    return (short) ((bits + rounding) >>> 16);
  }
}
