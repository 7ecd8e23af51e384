/* A small strict JSON parser (RFC 8259) into a tree, and a writer for that tree.
 * Numbers keep their source text so 64-bit integers survive without rounding. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "runtime.h"

#define MAX_DEPTH 64

struct parser {
  const char *p, *end, *start;
  int depth;
};

static int perr(struct parser *ps, const char *what) {
  return fail_msg("config JSON: %s at offset %zu", what, (size_t)(ps->p - ps->start));
}

static void skip_ws(struct parser *ps) {
  while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r')) ps->p++;
}

static struct json *node(enum json_type t) {
  struct json *v = xcalloc(1, sizeof *v);
  v->type = t;
  return v;
}

static int hex4(struct parser *ps, unsigned *out) {
  if (ps->end - ps->p < 4) return perr(ps, "short \\u escape");
  unsigned v = 0;
  for (int i = 0; i < 4; i++) {
    char c = *ps->p++;
    v <<= 4;
    if (c >= '0' && c <= '9') v |= (unsigned)(c - '0');
    else if (c >= 'a' && c <= 'f') v |= (unsigned)(c - 'a' + 10);
    else if (c >= 'A' && c <= 'F') v |= (unsigned)(c - 'A' + 10);
    else return perr(ps, "bad \\u escape");
  }
  *out = v;
  return 0;
}

static void put_utf8(struct strbuf *sb, unsigned cp) {
  char b[4];
  size_t n;
  if (cp < 0x80) b[0] = (char)cp, n = 1;
  else if (cp < 0x800) b[0] = (char)(0xc0 | cp >> 6), b[1] = (char)(0x80 | (cp & 0x3f)), n = 2;
  else if (cp < 0x10000)
    b[0] = (char)(0xe0 | cp >> 12), b[1] = (char)(0x80 | ((cp >> 6) & 0x3f)), b[2] = (char)(0x80 | (cp & 0x3f)), n = 3;
  else
    b[0] = (char)(0xf0 | cp >> 18), b[1] = (char)(0x80 | ((cp >> 12) & 0x3f)),
    b[2] = (char)(0x80 | ((cp >> 6) & 0x3f)), b[3] = (char)(0x80 | (cp & 0x3f)), n = 4;
  sb_append(sb, b, n);
}

static int parse_string(struct parser *ps, char **out, size_t *len) {
  struct strbuf sb = {0};
  ps->p++; /* opening quote */
  for (;;) {
    if (ps->p >= ps->end) {
      free(sb.buf);
      return perr(ps, "unterminated string");
    }
    unsigned char c = (unsigned char)*ps->p++;
    if (c == '"') break;
    if (c < 0x20) {
      free(sb.buf);
      return perr(ps, "control character in string");
    }
    if (c != '\\') {
      sb_append(&sb, (const char *)&c, 1);
      continue;
    }
    if (ps->p >= ps->end) {
      free(sb.buf);
      return perr(ps, "unterminated escape");
    }
    char e = *ps->p++;
    unsigned cp, lo;
    switch (e) {
      case '"': sb_append(&sb, "\"", 1); break;
      case '\\': sb_append(&sb, "\\", 1); break;
      case '/': sb_append(&sb, "/", 1); break;
      case 'b': sb_append(&sb, "\b", 1); break;
      case 'f': sb_append(&sb, "\f", 1); break;
      case 'n': sb_append(&sb, "\n", 1); break;
      case 'r': sb_append(&sb, "\r", 1); break;
      case 't': sb_append(&sb, "\t", 1); break;
      case 'u':
        if (hex4(ps, &cp) < 0) goto bad;
        if (cp >= 0xd800 && cp < 0xdc00) {
          if (ps->end - ps->p < 6 || ps->p[0] != '\\' || ps->p[1] != 'u') goto lone;
          ps->p += 2;
          if (hex4(ps, &lo) < 0) goto bad;
          if (lo < 0xdc00 || lo > 0xdfff) goto lone;
          cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
        } else if (cp >= 0xdc00 && cp < 0xe000) {
          goto lone;
        }
        put_utf8(&sb, cp);
        break;
      default:
        free(sb.buf);
        return perr(ps, "bad escape");
    }
  }
  if (!sb.buf) sb_append(&sb, "", 0);
  *out = sb.buf;
  *len = sb.len;
  return 0;
lone:
  free(sb.buf);
  return perr(ps, "lone surrogate");
bad:
  free(sb.buf);
  return -1;
}

static struct json *parse_value(struct parser *ps);

static int parse_number(struct parser *ps, struct json *v) {
  const char *s = ps->p;
  if (ps->p < ps->end && *ps->p == '-') ps->p++;
  if (ps->p >= ps->end) return perr(ps, "bad number");
  if (*ps->p == '0') ps->p++;
  else if (*ps->p >= '1' && *ps->p <= '9') while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9') ps->p++;
  else return perr(ps, "bad number");
  if (ps->p < ps->end && *ps->p == '.') {
    ps->p++;
    if (ps->p >= ps->end || *ps->p < '0' || *ps->p > '9') return perr(ps, "bad number");
    while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9') ps->p++;
  }
  if (ps->p < ps->end && (*ps->p == 'e' || *ps->p == 'E')) {
    ps->p++;
    if (ps->p < ps->end && (*ps->p == '+' || *ps->p == '-')) ps->p++;
    if (ps->p >= ps->end || *ps->p < '0' || *ps->p > '9') return perr(ps, "bad number");
    while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9') ps->p++;
  }
  v->len = (size_t)(ps->p - s);
  v->str = xmalloc(v->len + 1);
  memcpy(v->str, s, v->len);
  v->str[v->len] = '\0';
  return 0;
}

static int literal(struct parser *ps, const char *word) {
  size_t n = strlen(word);
  if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, word, n) != 0) return perr(ps, "unexpected token");
  ps->p += n;
  return 0;
}

static int parse_container(struct parser *ps, struct json *v, char close) {
  size_t cap = 0;
  ps->p++;
  skip_ws(ps);
  if (ps->p < ps->end && *ps->p == close) {
    ps->p++;
    return 0;
  }
  for (;;) {
    skip_ws(ps);
    char *key = NULL;
    if (close == '}') {
      size_t klen;
      if (ps->p >= ps->end || *ps->p != '"') return perr(ps, "expected object key");
      if (parse_string(ps, &key, &klen) < 0) return -1;
      skip_ws(ps);
      if (ps->p >= ps->end || *ps->p != ':') return perr(ps, "expected ':'");
      ps->p++;
    }
    struct json *item = parse_value(ps);
    if (!item) return -1;
    if (v->len == cap) {
      cap = cap ? cap * 2 : 8;
      v->items = xrealloc(v->items, cap * sizeof *v->items);
      if (close == '}') v->keys = xrealloc(v->keys, cap * sizeof *v->keys);
    }
    if (close == '}') v->keys[v->len] = key;
    v->items[v->len++] = item;
    skip_ws(ps);
    if (ps->p < ps->end && *ps->p == ',') {
      ps->p++;
      continue;
    }
    if (ps->p < ps->end && *ps->p == close) {
      ps->p++;
      return 0;
    }
    return perr(ps, close == '}' ? "expected ',' or '}'" : "expected ',' or ']'");
  }
}

static struct json *parse_value(struct parser *ps) {
  skip_ws(ps);
  if (ps->p >= ps->end) {
    perr(ps, "unexpected end");
    return NULL;
  }
  struct json *v = NULL;
  int rc = 0;
  switch (*ps->p) {
    case '{':
    case '[':
      if (++ps->depth > MAX_DEPTH) {
        perr(ps, "nesting too deep");
        return NULL;
      }
      v = node(*ps->p == '{' ? JSON_OBJECT : JSON_ARRAY);
      rc = parse_container(ps, v, *ps->p == '{' ? '}' : ']');
      ps->depth--;
      break;
    case '"':
      v = node(JSON_STRING);
      rc = parse_string(ps, &v->str, &v->len);
      break;
    case 't': v = node(JSON_BOOL), v->boolean = true, rc = literal(ps, "true"); break;
    case 'f': v = node(JSON_BOOL), rc = literal(ps, "false"); break;
    case 'n': v = node(JSON_NULL), rc = literal(ps, "null"); break;
    default: v = node(JSON_NUMBER), rc = parse_number(ps, v);
  }
  return rc < 0 ? NULL : v; /* the tree is not freed on error: the process is short-lived */
}

struct json *json_parse(const char *text, size_t len) {
  struct parser ps = {.p = text, .end = text + len, .start = text};
  struct json *v = parse_value(&ps);
  if (!v) return NULL;
  skip_ws(&ps);
  if (ps.p != ps.end) {
    perr(&ps, "trailing data");
    return NULL;
  }
  return v;
}

struct json *json_get(const struct json *obj, const char *key) {
  if (!obj || obj->type != JSON_OBJECT) return NULL;
  struct json *found = NULL; /* the last duplicate wins, as in most parsers */
  for (size_t i = 0; i < obj->len; i++)
    if (strcmp(obj->keys[i], key) == 0) found = obj->items[i];
  return found;
}

const char *json_type_name(enum json_type t) {
  static const char *const names[] = {"null", "boolean", "number", "string", "array", "object"};
  return names[t];
}

void json_write(struct strbuf *sb, const struct json *v) {
  switch (v->type) {
    case JSON_NULL: sb_puts(sb, "null"); break;
    case JSON_BOOL: sb_puts(sb, v->boolean ? "true" : "false"); break;
    case JSON_NUMBER: sb_puts(sb, v->str); break;
    case JSON_STRING: sb_json_string(sb, v->str, v->len); break;
    case JSON_ARRAY:
    case JSON_OBJECT:
      sb_puts(sb, v->type == JSON_ARRAY ? "[" : "{");
      for (size_t i = 0; i < v->len; i++) {
        if (i) sb_puts(sb, ",");
        if (v->type == JSON_OBJECT) {
          sb_json_string(sb, v->keys[i], strlen(v->keys[i]));
          sb_puts(sb, ":");
        }
        json_write(sb, v->items[i]);
      }
      sb_puts(sb, v->type == JSON_ARRAY ? "]" : "}");
  }
}

int json_int64(const struct json *v, int64_t *out) {
  if (!v || v->type != JSON_NUMBER || strpbrk(v->str, ".eE")) return fail_msg("not an integer");
  errno = 0;
  char *end;
  long long n = strtoll(v->str, &end, 10);
  if (errno || *end) return fail_msg("integer out of range");
  *out = n;
  return 0;
}

int json_uint64(const struct json *v, uint64_t *out) {
  if (!v || v->type != JSON_NUMBER || strpbrk(v->str, ".eE")) return fail_msg("not an integer");
  if (v->str[0] == '-') return fail_msg("negative value");
  errno = 0;
  char *end;
  unsigned long long n = strtoull(v->str, &end, 10);
  if (errno || *end) return fail_msg("integer out of range");
  *out = n;
  return 0;
}
