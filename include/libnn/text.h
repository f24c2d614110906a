/*
 * libnn: text preprocessing and text metrics.
 *
 * - libnn_tokenizer: Keras' keras.preprocessing.text.Tokenizer. It learns a
 *   vocabulary from texts (word counts, word -> index by falling count) and
 *   turns texts into sequences of word indices; it reads and writes the JSON
 *   of Keras' tokenizer.to_json(), so a tokenizer fitted in Python can be
 *   used from C and the other way round.
 * - libnn_sequences: a list of int32 sequences of different lengths (what
 *   texts_to_sequences returns), and libnn_pad_sequences(), Keras'
 *   pad_sequences, which makes a [n, maxlen] float tensor of them.
 * - BLEU (NLTK's corpus_bleu / sentence_bleu) and ROUGE-1/2/L on token
 *   sequences, and on whitespace-separated strings.
 *
 * Texts are NUL-terminated UTF-8 strings, passed as `size_t n, const char
 * *const *texts`. Invalid UTF-8 gives LIBNN_E_FORMAT with the text number
 * and the byte offset of the bad sequence.
 *
 * Tokenizing a text (as Keras' text_to_word_sequence):
 *  1. with LOWER, upper-case letters become lower-case: ASCII, Latin-1
 *     Supplement (U+00C0..U+00DE), Latin Extended-A (U+0100..U+017F, U+0178
 *     to U+00FF) and Cyrillic (U+0400..U+042F), one code point to one code
 *     point as Python's str.lower() does for them. U+0130 (which Python turns
 *     into two code points) and every other script are left unchanged, so a
 *     tokenizer fitted in Python on such text may see other words;
 *  2. with CHAR_LEVEL every code point is a token (spaces and punctuation
 *     included: Keras applies neither filters nor split then), and the rest
 *     is skipped;
 *  3. every code point listed in FILTERS is replaced by SPLIT;
 *  4. the text is cut at each occurrence of SPLIT (leftmost first, as
 *     Python's str.split(sep)) and empty pieces are dropped.
 * Multi-byte characters are never split.
 *
 * Threading: one thread at a time per tokenizer or sequences object; the
 * metric functions keep no state and may run on any number of threads.
 */
#ifndef LIBNN_TEXT_H
#define LIBNN_TEXT_H

#include <stddef.h>
#include <stdint.h>

#include "libnn/export.h"
#include "libnn/status.h"
#include "libnn/tensor.h"

LIBNN_BEGIN_DECLS

/* ------------------------------------------------------------------------ */
/* Sequences                                                                 */
/* ------------------------------------------------------------------------ */

typedef struct libnn_sequences libnn_sequences;

/*
 * New list of `n` sequences copied from flat arrays: sequence i has
 * lengths[i] values, and `values` holds all of them one after the other
 * (sum of lengths entries). `values` may be NULL when every length is 0,
 * `lengths` when n is 0. The caller keeps both arrays. *out is owned by the
 * caller (libnn_sequences_free). Errors: LIBNN_E_INVALID (NULL pointers),
 * LIBNN_E_NOMEM (also when the lengths overflow).
 */
LIBNN_API libnn_status libnn_sequences_new(const int32_t *values, const size_t *lengths, size_t n,
                                           libnn_sequences **out);

/* Free a list of sequences. NULL is ignored. */
LIBNN_API void libnn_sequences_free(libnn_sequences *seqs);

/* Number of sequences; 0 for NULL. */
LIBNN_API size_t libnn_sequences_count(const libnn_sequences *seqs);

/* Length of sequence i; 0 for NULL or i out of range. */
LIBNN_API size_t libnn_sequences_length(const libnn_sequences *seqs, size_t i);

/*
 * Copy sequence i into `dst`, which holds `capacity` values; *length always
 * receives its length (when seqs is valid and i in range). When capacity is
 * too small nothing is copied and the call returns LIBNN_E_RANGE, so
 * dst = NULL, capacity = 0 asks for the length.
 * Errors: LIBNN_E_INVALID (NULL seqs or length, dst NULL with a non-zero
 * capacity), LIBNN_E_RANGE (i out of range, capacity too small).
 */
LIBNN_API libnn_status libnn_sequences_get(const libnn_sequences *seqs, size_t i, int32_t *dst,
                                           size_t capacity, size_t *length);

/* ------------------------------------------------------------------------ */
/* pad_sequences                                                             */
/* ------------------------------------------------------------------------ */

/* Where padding goes, and which end truncation cuts. Values pinned. */
typedef enum libnn_pad_side {
    LIBNN_PAD_PRE = 0,  /* at the start (Keras' default for both) */
    LIBNN_PAD_POST = 1  /* at the end */
} libnn_pad_side;

/*
 * Keras' pad_sequences: a new [n, maxlen] float tensor (owned by the
 * caller) whose row i holds sequence i. maxlen 0 means the longest length
 * (Keras' maxlen=None). A longer sequence loses values at the start
 * (truncating PRE: it keeps its last maxlen values) or at the end (POST); a
 * shorter one is filled up with `value` before (padding PRE) or after (POST)
 * its values. Every value must be exactly representable as float32, which
 * holds for every index below 2^24.
 * Errors: LIBNN_E_INVALID (NULL, maxlen < 0, an unknown side),
 * LIBNN_E_RANGE (a value beyond 2^24 in magnitude that float32 would round:
 * the message names the sequence and the position), LIBNN_E_NOMEM.
 */
LIBNN_API libnn_status libnn_pad_sequences(const libnn_sequences *seqs, int64_t maxlen,
                                           libnn_pad_side padding, libnn_pad_side truncating,
                                           float value, libnn_tensor **out);

/* As libnn_pad_sequences, on flat arrays laid out as for
 * libnn_sequences_new (no copy is made). */
LIBNN_API libnn_status libnn_pad_sequences_arrays(const int32_t *values, const size_t *lengths,
                                                  size_t n, int64_t maxlen,
                                                  libnn_pad_side padding,
                                                  libnn_pad_side truncating, float value,
                                                  libnn_tensor **out);

/* ------------------------------------------------------------------------ */
/* Tokenizer                                                                 */
/* ------------------------------------------------------------------------ */

typedef struct libnn_tokenizer libnn_tokenizer;

/* Tokenizer options (Keras' constructor arguments); values pinned. */
typedef enum libnn_tokenizer_option {
    /* int >= 0: only indices below num_words are kept by texts_to_sequences
     * (the num_words - 1 most frequent words); 0 = no limit (Keras' None),
     * the default. The word index always holds every word. */
    LIBNN_TOKENIZER_NUM_WORDS = 1,
    /* bool (0/1), default 1: lower-case texts first (see the top). */
    LIBNN_TOKENIZER_LOWER = 2,
    /* bool, default 0: every code point is a token. */
    LIBNN_TOKENIZER_CHAR_LEVEL = 3,
    /* string: code points removed (replaced by SPLIT); default
     * "!\"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n" as Keras; "" removes none. */
    LIBNN_TOKENIZER_FILTERS = 4,
    /* non-empty string, default " ": the separator of words. */
    LIBNN_TOKENIZER_SPLIT = 5,
    /* string or NULL (the default: none): the out-of-vocabulary token. When
     * set, fit_on_texts gives it index 1, and unknown words (and words at or
     * above num_words) become its index instead of being dropped. */
    LIBNN_TOKENIZER_OOV_TOKEN = 6
} libnn_tokenizer_option;

/*
 * New, empty tokenizer with Keras' default options. *out is owned by the
 * caller (libnn_tokenizer_free). Errors: LIBNN_E_INVALID, LIBNN_E_NOMEM.
 */
LIBNN_API libnn_status libnn_tokenizer_new(libnn_tokenizer **out);

/* Free a tokenizer. NULL is ignored. */
LIBNN_API void libnn_tokenizer_free(libnn_tokenizer *tok);

/*
 * Set an option. Options may change at any time, as Keras' attributes; the
 * word index changes only at the next fit_on_texts (so a new OOV_TOKEN gets
 * its index then). Strings are copied and must be valid UTF-8; NULL is
 * allowed for OOV_TOKEN only (no OOV token). On error the tokenizer is
 * unchanged. Errors: LIBNN_E_INVALID (NULL tokenizer, unknown key, a key of
 * the other type, a value out of bounds or invalid UTF-8: the message names
 * the option), LIBNN_E_NOMEM.
 */
LIBNN_API libnn_status libnn_tokenizer_set_int(libnn_tokenizer *tok, libnn_tokenizer_option key,
                                               int64_t value);
LIBNN_API libnn_status libnn_tokenizer_set_string(libnn_tokenizer *tok,
                                                  libnn_tokenizer_option key, const char *value);

/*
 * Read an option. get_string lends the tokenizer's copy (valid until the
 * option is set again or the tokenizer freed); *value is NULL for an unset
 * OOV_TOKEN. Errors: LIBNN_E_INVALID (NULL, unknown key, wrong type).
 */
LIBNN_API libnn_status libnn_tokenizer_get_int(const libnn_tokenizer *tok,
                                               libnn_tokenizer_option key, int64_t *value);
LIBNN_API libnn_status libnn_tokenizer_get_string(const libnn_tokenizer *tok,
                                                  libnn_tokenizer_option key, const char **value);

/*
 * Keras' fit_on_texts: count the words of `n` texts (word_counts, and in how
 * many texts each word occurs: word_docs), add n to the document count and
 * rebuild the word index: the OOV token (when set) gets index 1, then the
 * counted words follow by falling count, ties in order of first appearance
 * (over every fit so far), from 1 (or 2) up. Index 0 is never assigned.
 * Calling it again adds to the counts. (When the OOV token is itself a
 * counted word, Keras gives it its place by count and leaves index 1
 * unassigned; so does libnn.) All texts are checked before anything is
 * counted: on any error the tokenizer is unchanged.
 * Errors: LIBNN_E_INVALID (NULL tok, NULL texts with n > 0, a NULL text),
 * LIBNN_E_FORMAT (invalid UTF-8: the message gives the text number and the
 * byte offset), LIBNN_E_RANGE (more than 2^31 - 1 words, or a word count,
 * word_docs count or document_count that would pass INT64_MAX: counts are
 * exact int64_t and never wrap or saturate; a tokenizer loaded with such
 * counts refuses the fit and stays unchanged), LIBNN_E_NOMEM.
 */
LIBNN_API libnn_status libnn_tokenizer_fit_on_texts(libnn_tokenizer *tok, size_t n,
                                                    const char *const *texts);

/*
 * Keras' texts_to_sequences: sequence i holds the indices of the words of
 * text i that are in the word index and below num_words (when set). Other
 * words become the OOV token's index when one is set, else they are dropped.
 * *out is a new list of n sequences owned by the caller.
 * Errors: LIBNN_E_INVALID, LIBNN_E_FORMAT (invalid UTF-8, as above),
 * LIBNN_E_STATE (an OOV token is set but is not in the word index: fit
 * first), LIBNN_E_NOMEM.
 */
LIBNN_API libnn_status libnn_tokenizer_texts_to_sequences(const libnn_tokenizer *tok, size_t n,
                                                          const char *const *texts,
                                                          libnn_sequences **out);

/*
 * Keras' sequences_to_texts for one sequence of `length` indices: the words
 * joined by single spaces, as a NUL-terminated UTF-8 string written into
 * `buf` snprintf-style. *needed always receives the size with the NUL; when
 * `capacity` is smaller, nothing is written and the call returns
 * LIBNN_E_RANGE (buf = NULL, capacity = 0 asks for the size). Indices not in
 * the index, and with num_words set those at or above it, become the OOV
 * token when one is set, else they are skipped.
 * Errors: LIBNN_E_INVALID (NULL tok or needed, ids NULL with length > 0,
 * buf NULL with capacity > 0), LIBNN_E_STATE (OOV token not in the index),
 * LIBNN_E_RANGE.
 */
LIBNN_API libnn_status libnn_tokenizer_sequence_to_text(const libnn_tokenizer *tok,
                                                        const int32_t *ids, size_t length,
                                                        char *buf, size_t capacity,
                                                        size_t *needed);

/* Number of texts fitted on (Keras' document_count); 0 for NULL. */
LIBNN_API int64_t libnn_tokenizer_document_count(const libnn_tokenizer *tok);

/* Number of entries in the word index (len(word_index): the counted words
 * plus the OOV token); 0 for NULL. */
LIBNN_API size_t libnn_tokenizer_word_index_size(const libnn_tokenizer *tok);

/* Largest index in the word index (0 when empty): an Embedding fed with
 * these sequences needs input_dim > it (min(num_words, this + 1) with
 * num_words set). */
LIBNN_API int64_t libnn_tokenizer_max_index(const libnn_tokenizer *tok);

/*
 * Index of `word` (a NUL-terminated UTF-8 string, matched byte for byte:
 * pass it lower-cased when LOWER is on) in the word index.
 * Errors: LIBNN_E_INVALID (NULL), LIBNN_E_NOTFOUND (not in the index).
 */
LIBNN_API libnn_status libnn_tokenizer_word_index(const libnn_tokenizer *tok, const char *word,
                                                  int64_t *index);

/*
 * The word of index `index` (Keras' index_word). Borrowed: valid until the
 * next call that changes the tokenizer. NULL for NULL or an index that is
 * not assigned.
 */
LIBNN_API const char *libnn_tokenizer_index_word(const libnn_tokenizer *tok, int64_t index);

/*
 * How often `word` was counted (word_counts) and in how many texts
 * (word_docs). Errors: LIBNN_E_INVALID (NULL), LIBNN_E_NOTFOUND (never
 * counted; the OOV token is not counted unless it occurs in a text).
 */
LIBNN_API libnn_status libnn_tokenizer_word_count(const libnn_tokenizer *tok, const char *word,
                                                  int64_t *count, int64_t *docs);

/* Number of counted words (len(word_counts)); 0 for NULL. */
LIBNN_API size_t libnn_tokenizer_word_counts_size(const libnn_tokenizer *tok);

/* The i-th counted word in order of first appearance (the order of Keras'
 * word_counts). Borrowed as libnn_tokenizer_index_word. NULL when out of
 * range. */
LIBNN_API const char *libnn_tokenizer_counted_word(const libnn_tokenizer *tok, size_t i);

/*
 * The tokenizer as the JSON text of Keras' tokenizer.to_json():
 * {"class_name": "Tokenizer", "config": {"num_words", "filters", "lower",
 * "split", "char_level", "oov_token", "document_count", "word_counts",
 * "word_docs", "index_docs", "index_word", "word_index"}}, the last five
 * being JSON texts in strings, non-ASCII escaped as Python's json.dumps
 * does. Written into `buf` NUL-terminated, snprintf-style as
 * libnn_tokenizer_sequence_to_text. index_docs is derived from word_docs
 * and the word index, as fit_on_texts makes it.
 * Errors: LIBNN_E_INVALID, LIBNN_E_RANGE (capacity too small), LIBNN_E_NOMEM.
 */
LIBNN_API libnn_status libnn_tokenizer_to_json(const libnn_tokenizer *tok, char *buf,
                                               size_t capacity, size_t *needed);

/*
 * A tokenizer from the `length` bytes of JSON at `json` (no NUL needed), as
 * Keras' tokenizer_from_json: "config" must be an object whose word_counts,
 * word_docs, index_docs, index_word and word_index are strings holding JSON
 * objects; num_words (null or int >= 0), filters, lower, split, char_level,
 * oov_token (null or string) and document_count default as in Keras when
 * absent; unknown keys are ignored, "class_name" must be a string if there.
 * Nothing is trusted: counts must be integers >= 0, indices integers in
 * [1, 2^31 - 1] used once, index_word the exact inverse of word_index,
 * word_docs naming counted words only, index_docs keys decimal integers;
 * duplicate keys are refused. A violation
 * gives LIBNN_E_FORMAT naming the field and the word or byte offset.
 * *out is owned by the caller; on failure it is NULL.
 * Errors: LIBNN_E_INVALID, LIBNN_E_FORMAT, LIBNN_E_NOMEM.
 */
LIBNN_API libnn_status libnn_tokenizer_from_json(const char *json, size_t length,
                                                 libnn_tokenizer **out);

/*
 * Write the JSON of libnn_tokenizer_to_json to `path` atomically (temporary
 * file, fsync, rename: a failed save leaves an existing file unchanged).
 * Errors: LIBNN_E_INVALID, LIBNN_E_IO, LIBNN_E_NOMEM.
 */
LIBNN_API libnn_status libnn_tokenizer_save(const libnn_tokenizer *tok, const char *path);

/*
 * Read a tokenizer JSON file (as Keras' to_json() output written to a file)
 * of at most 1 GiB. Errors: LIBNN_E_INVALID, LIBNN_E_IO, LIBNN_E_FORMAT,
 * LIBNN_E_NOMEM.
 */
LIBNN_API libnn_status libnn_tokenizer_load(const char *path, libnn_tokenizer **out);

/* ------------------------------------------------------------------------ */
/* BLEU and ROUGE                                                            */
/* ------------------------------------------------------------------------ */

/* Smoothing of BLEU's n-gram precisions (NLTK's SmoothingFunction). */
typedef enum libnn_bleu_smoothing {
    /* NLTK's method0 (its default): a precision with no match counts as
     * the smallest normal double, so the score is about 1e-77 (NLTK's value)
     * rather than exactly 0. */
    LIBNN_BLEU_SMOOTH_NONE = 0,
    /* NLTK's method1: 0.1 is added to the match count of a precision with
     * no match. */
    LIBNN_BLEU_SMOOTH_METHOD1 = 1
} libnn_bleu_smoothing;

/*
 * Corpus BLEU as NLTK's corpus_bleu with weights (0.25, 0.25, 0.25, 0.25):
 * the 1- to 4-gram precisions are summed over the corpus (each hypothesis
 * n-gram count clipped by its largest count in any of its references),
 * their geometric mean is multiplied by the brevity penalty
 * exp(1 - r / c) when c <= r (c = the hypotheses' total length, r = the sum
 * of the reference lengths closest to each hypothesis length, ties to the
 * shorter; 0 when c = 0). A corpus without a single unigram match scores 0.
 * Hypothesis i has refs_per_hyp[i] references, which follow those of
 * hypothesis i - 1 in `references` (refs_per_hyp NULL: one each).
 * Errors: LIBNN_E_INVALID (NULL pointers, an unknown smoothing, a
 * hypothesis without reference), LIBNN_E_SHAPE (the reference count does
 * not add up), LIBNN_E_NOMEM.
 */
LIBNN_API libnn_status libnn_bleu_corpus(const libnn_sequences *hypotheses,
                                         const libnn_sequences *references,
                                         const size_t *refs_per_hyp,
                                         libnn_bleu_smoothing smoothing, double *score);

/*
 * Sentence BLEU (NLTK's sentence_bleu): the corpus score of one hypothesis
 * of hyp_len tokens with n_refs >= 1 references, given as flat arrays as
 * libnn_sequences_new takes them. Errors: LIBNN_E_INVALID (NULL arrays with
 * values, n_refs 0, an unknown smoothing), LIBNN_E_NOMEM.
 */
LIBNN_API libnn_status libnn_bleu_sentence(const int32_t *hypothesis, size_t hyp_len,
                                           const int32_t *ref_values, const size_t *ref_lengths,
                                           size_t n_refs, libnn_bleu_smoothing smoothing,
                                           double *score);

/*
 * The same on strings split at white space as Python's str.split() (ASCII
 * and Unicode white space); tokens are compared byte for byte (no case
 * folding). libnn_bleu_corpus_text: n hypotheses, their references laid out
 * as for libnn_bleu_corpus. Errors as above, plus LIBNN_E_FORMAT (invalid
 * UTF-8).
 */
LIBNN_API libnn_status libnn_bleu_corpus_text(size_t n, const char *const *hypotheses,
                                              const char *const *references,
                                              const size_t *refs_per_hyp,
                                              libnn_bleu_smoothing smoothing, double *score);
LIBNN_API libnn_status libnn_bleu_sentence_text(const char *hypothesis, size_t n_refs,
                                                const char *const *references,
                                                libnn_bleu_smoothing smoothing, double *score);

/* ROUGE variants; values pinned. */
typedef enum libnn_rouge_type {
    LIBNN_ROUGE_L = 0, /* longest common subsequence */
    LIBNN_ROUGE_1 = 1, /* unigram overlap */
    LIBNN_ROUGE_2 = 2  /* bigram overlap */
} libnn_rouge_type;

/*
 * ROUGE of a hypothesis against one reference (as Google's rouge-score):
 * ROUGE-N: overlap = sum over n-grams of min(count in hypothesis, count in
 * reference); precision = overlap / hypothesis n-grams, recall = overlap /
 * reference n-grams (0 when there are none). ROUGE-L: precision =
 * LCS / hyp_len, recall = LCS / ref_len (all 0 when either is empty).
 * F1 = 2 P R / (P + R), 0 when P + R = 0. Any of the three outputs may be
 * NULL. ROUGE-L takes O(hyp_len * ref_len) time.
 * Errors: LIBNN_E_INVALID (NULL arrays with a non-zero length, unknown
 * type), LIBNN_E_NOMEM.
 */
LIBNN_API libnn_status libnn_rouge(const int32_t *hypothesis, size_t hyp_len,
                                   const int32_t *reference, size_t ref_len, libnn_rouge_type type,
                                   double *precision, double *recall, double *f1);

/* The same on white-space separated strings (as libnn_bleu_sentence_text).
 * Errors as above, plus LIBNN_E_FORMAT (invalid UTF-8). */
LIBNN_API libnn_status libnn_rouge_text(const char *hypothesis, const char *reference,
                                        libnn_rouge_type type, double *precision, double *recall,
                                        double *f1);

LIBNN_END_DECLS

#endif /* LIBNN_TEXT_H */
