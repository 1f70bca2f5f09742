package dev.keyway.client.record;

/** The attribute keys of {@code _iroh} TXT records, in iroh's publish order. */
enum IrohAttr {
  RELAY("relay"),
  ADDR("addr"),
  USER_DATA("user-data");

  private final String key;

  IrohAttr(String key) {
    this.key = key;
  }

  /** The key as written in a record (kebab-case, case-sensitive). */
  String key() {
    return key;
  }

  /** The attribute for {@code key}, compared exactly; null if iroh does not know it. */
  static IrohAttr fromKey(String key) {
    for (IrohAttr a : values()) {
      if (a.key.equals(key)) {
        return a;
      }
    }
    return null;
  }
}
