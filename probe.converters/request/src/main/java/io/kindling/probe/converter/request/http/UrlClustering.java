package io.kindling.probe.converter.request.http;

import java.util.Locale;

/** How a URL path becomes a content key of few values (Kindling's {@code url_clustering_method}). */
public enum UrlClustering {
    /** Each path segment with a character other than a letter becomes {@code *}: {@code /users/42/orders} is {@code /users/*}{@code /orders}. */
    ALPHABET,
    /** The path as it is. */
    NOPARAM,
    /** No key. */
    BLANK;

    /** The method of this name ({@code alphabet}, {@code noparam}, {@code blank}); alphabet for another. */
    public static UrlClustering of(String name) {
        try {
            return valueOf(name == null ? "ALPHABET" : name.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            System.getLogger(UrlClustering.class.getName()).log(System.Logger.Level.WARNING,
                    "unknown url_clustering_method " + name + ": alphabet is used");
            return ALPHABET;
        }
    }

    public String cluster(String path) {
        switch (this) {
            case BLANK:
                return "";
            case NOPARAM:
                return path;
            default:
                StringBuilder out = new StringBuilder(path.length());
                int i = 0;
                while (i < path.length()) {
                    int slash = path.indexOf('/', i);
                    int end = slash < 0 ? path.length() : slash;
                    if (end > i) {
                        boolean letters = true;
                        for (int j = i; j < end && letters; j++) {
                            letters = Character.isLetter(path.charAt(j));
                        }
                        out.append(letters ? path.substring(i, end) : "*");
                    }
                    if (slash < 0) {
                        break;
                    }
                    out.append('/');
                    i = slash + 1;
                }
                return out.toString();
        }
    }
}
