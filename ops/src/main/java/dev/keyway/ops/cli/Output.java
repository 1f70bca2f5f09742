package dev.keyway.ops.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.PrintWriter;
import java.util.Map;

/**
 * Prints a command's result either as aligned {@code key: value} lines for people or as one JSON
 * document for scripts ({@code --json}). Both views come from the same ordered map, so they
 * never disagree.
 */
final class Output {
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private Output() {}

  static void print(PrintWriter out, boolean json, Map<String, ?> fields) {
    if (json) {
      out.println(toJson(fields));
    } else {
      int width = fields.keySet().stream().mapToInt(String::length).max().orElse(0);
      fields.forEach((k, v) -> printValue(out, k, v, width));
    }
    out.flush();
  }

  static String toJson(Object value) {
    try {
      return JSON.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void printValue(PrintWriter out, String key, Object value, int width) {
    String label = String.format("%-" + (width + 1) + "s ", key + ":");
    if (value instanceof Iterable<?> items) {
      boolean any = false;
      for (Object item : items) {
        out.println((any ? " ".repeat(label.length()) : label) + item);
        any = true;
      }
      if (!any) {
        out.println(label + "(none)");
      }
    } else {
      out.println(label + (value == null ? "(none)" : value));
    }
  }
}
