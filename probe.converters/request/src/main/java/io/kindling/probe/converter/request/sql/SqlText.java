package io.kindling.probe.converter.request.sql;

import java.util.Locale;

/**
 * SQL statements as requests report them: literals replaced by {@code ?} (statements carry personal data), and
 * the content key, the operation and the table it works on ({@code SELECT users}).
 */
public final class SqlText {
    private SqlText() {}

    /**
     * The statement with its string, number and hex literals replaced by {@code ?} and its runs of white space made
     * one space. {@code doubleQuotedStrings}: whether {@code "..."} is a string (MySQL) or a name (PostgreSQL).
     */
    public static String withoutLiterals(String sql, boolean doubleQuotedStrings) {
        StringBuilder out = new StringBuilder(Math.min(sql.length(), 4096));
        int n = sql.length();
        int i = 0;
        while (i < n) {
            char c = sql.charAt(i);
            if (c == '\'' || c == '"' && doubleQuotedStrings) {
                int j = i + 1;
                while (j < n) {
                    char d = sql.charAt(j);
                    if (d == '\\' && doubleQuotedStrings) {
                        j += 2;
                        continue;
                    }
                    if (d == c) {
                        if (j + 1 < n && sql.charAt(j + 1) == c) {
                            j += 2;
                            continue;
                        }
                        break;
                    }
                    j++;
                }
                out.append('?');
                i = j + 1;
            } else if (Character.isDigit(c) && (i == 0 || !isNamePart(sql.charAt(i - 1)))) {
                int j = i;
                if (c == '0' && i + 1 < n && (sql.charAt(i + 1) == 'x' || sql.charAt(i + 1) == 'X')) {
                    j += 2;
                }
                while (j < n && (Character.isLetterOrDigit(sql.charAt(j)) || sql.charAt(j) == '.')) {
                    j++;
                }
                out.append('?');
                i = j;
            } else if (Character.isWhitespace(c)) {
                if (out.length() > 0 && out.charAt(out.length() - 1) != ' ') {
                    out.append(' ');
                }
                i++;
            } else {
                out.append(c);
                i++;
            }
        }
        int end = out.length();
        while (end > 0 && (out.charAt(end - 1) == ' ' || out.charAt(end - 1) == ';')) {
            end--;
        }
        return out.substring(0, end);
    }

    private static boolean isNamePart(char c) {
        return Character.isLetterOrDigit(c) || c == '_' || c == '$' || c == '`' || c == '"';
    }

    /** The statement's operation and table: {@code SELECT users}, {@code INSERT orders}, or the operation alone. */
    public static String contentKey(String sql) {
        String[] words = sql.trim().split("[\\s(),;]+");
        if (words.length == 0 || words[0].isEmpty()) {
            return "";
        }
        String op = words[0].toUpperCase(Locale.ROOT);
        String after = switch (op) {
            case "SELECT", "DELETE" -> "FROM";
            case "INSERT", "REPLACE" -> "INTO";
            case "UPDATE" -> "";
            case "CREATE", "DROP", "ALTER", "TRUNCATE" -> "TABLE";
            default -> null;
        };
        if (after == null) {
            return op;
        }
        for (int i = 1; i < words.length; i++) {
            if (after.isEmpty() || words[i].equalsIgnoreCase(after)) {
                int t = after.isEmpty() ? i : i + 1;
                while (t < words.length && isModifier(words[t])) {
                    t++;
                }
                if (t < words.length && !words[t].isEmpty() && !words[t].equals("?")) {
                    return op + " " + unquote(words[t]);
                }
                break;
            }
        }
        return op;
    }

    private static boolean isModifier(String w) {
        String u = w.toUpperCase(Locale.ROOT);
        return u.equals("IF") || u.equals("NOT") || u.equals("EXISTS") || u.equals("ONLY") || u.equals("LOW_PRIORITY")
                || u.equals("IGNORE") || u.equals("TEMPORARY") || u.equals("TEMP") || u.equals("IGNORE");
    }

    private static String unquote(String name) {
        return name.replace("`", "").replace("\"", "");
    }
}
