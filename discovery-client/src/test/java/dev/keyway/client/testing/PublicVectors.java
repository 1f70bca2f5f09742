package dev.keyway.client.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * The byte-exact public test vectors ({@code shared/vectors/public-vectors.json}, copied into the
 * test resources so a clean checkout is self-contained). Shared with other modules' tests through
 * the discovery-client test-jar.
 */
public final class PublicVectors {
  private static final JsonNode ROOT = load();

  private PublicVectors() {}

  /** The whole document. */
  public static JsonNode root() {
    return ROOT;
  }

  /** The array under {@code section}, as a list (handy for parameterized tests). */
  public static List<JsonNode> section(String section) {
    List<JsonNode> out = new ArrayList<>();
    ROOT.path(section).forEach(out::add);
    if (out.isEmpty()) {
      throw new IllegalStateException("no vectors in section " + section);
    }
    return out;
  }

  /** The element of {@code section} whose {@code name} field equals {@code name}. */
  public static JsonNode named(String section, String name) {
    for (JsonNode n : ROOT.path(section)) {
      if (name.equals(n.path("name").asText())) {
        return n;
      }
    }
    throw new IllegalArgumentException("no vector named " + name + " in " + section);
  }

  /** Decodes a hex field. */
  public static byte[] hex(JsonNode node, String field) {
    String text = node.path(field).asText(null);
    if (text == null) {
      throw new IllegalArgumentException("vector has no field " + field + ": " + node);
    }
    return HexFormat.of().parseHex(text);
  }

  private static JsonNode load() {
    try (InputStream in = PublicVectors.class.getResourceAsStream("/vectors/public-vectors.json")) {
      if (in == null) {
        throw new IllegalStateException("vectors/public-vectors.json missing from the test classpath");
      }
      return new ObjectMapper().readTree(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
