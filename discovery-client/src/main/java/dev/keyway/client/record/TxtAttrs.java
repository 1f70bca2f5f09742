package dev.keyway.client.record;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/** {@code key=value} strings grouped by attribute, parsed with iroh's rules (attrs.rs). */
final class TxtAttrs {
  private TxtAttrs() {}

  /**
   * Groups the values of {@code strings} by attribute, keeping their order.
   *
   * <p>As iroh: the key is the text before the first {@code =}, the value the text between the
   * first and a second {@code =} (anything after a second {@code =} is dropped). A string with no
   * {@code =} or an unknown key fails the whole set.
   *
   * @throws InvalidTxtException for a string without {@code =} or with an unknown key
   */
  static Map<IrohAttr, List<String>> parse(Iterable<String> strings) {
    Map<IrohAttr, List<String>> attrs = new EnumMap<>(IrohAttr.class);
    for (String s : strings) {
      int eq = s.indexOf('=');
      if (eq < 0) {
        throw new InvalidTxtException("expected format key=value, got '" + abbreviate(s) + "'");
      }
      String key = s.substring(0, eq);
      int end = s.indexOf('=', eq + 1);
      String value = end < 0 ? s.substring(eq + 1) : s.substring(eq + 1, end);
      IrohAttr attr = IrohAttr.fromKey(key);
      if (attr == null) {
        throw new InvalidTxtException("unknown _iroh attribute '" + abbreviate(key)
            + "'; expected relay, addr or user-data");
      }
      attrs.computeIfAbsent(attr, a -> new ArrayList<>()).add(value);
    }
    return attrs;
  }

  private static String abbreviate(String s) {
    return s.length() <= 64 ? s : s.substring(0, 61) + "...";
  }
}
