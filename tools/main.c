/*
 * libnn: the command-line tool. `libnn SUBCOMMAND ARGS...`; the table below
 * is the list of subcommands (a new one is one row and one cmd_<name>.c
 * file).
 *
 * Exit codes: 0 success, 1 an error (a libnn call, a file, an input: the
 * message is on stderr), 2 a usage error.
 */
#include <stdio.h>
#include <string.h>

#include "tool.h"

static const struct tool_cmd commands[] = {
    {"summary", "MODEL", "layers, shapes, parameter counts and format of a model file",
     "MODEL is a file written by libnn_model_save (model.save in Python). Prints\n"
     "the file's format version, whether it is a checkpoint (optimizer state\n"
     "included), the input and output shapes, the layer table and the\n"
     "parameter counts.\n",
     tool_cmd_summary},
    {"predict", "MODEL INPUT... [--top K] [--batch N] [--raw] [--resize] [--invert] [--no-scale]",
     "classes and probabilities (or raw outputs) for each sample",
     "INPUT is one IDX file (plain or gzip), one CSV file of numbers, or one or\n"
     "more images (binary PGM, or PNG when built with libpng), one sample each.\n"
     "Bytes (IDX unsigned bytes, image pixels) are divided by 255 (by the PGM's\n"
     "maxval) into [0, 1], as the MNIST example does. One line per sample:\n"
     "the sample (its index, or the image's file name), then the K most likely\n"
     "classes, each followed by its probability, separated by tabs; for a model\n"
     "trained with another loss than a cross-entropy, every output value.\n\n"
     "  --top K      the K most likely classes per sample (default 1)\n"
     "  --batch N    samples per forward pass (default 256)\n"
     "  --raw        print the model's outputs as they are\n"
     "  --resize     resize images of another size to the model's (bilinear)\n"
     "               instead of refusing them\n"
     "  --invert     images: use 1 - v (dark digits on light paper, for MNIST)\n"
     "  --no-scale   keep bytes as 0..255\n",
     tool_cmd_predict},
    {"evaluate", "MODEL X Y [--batch N] [--resize] [--invert] [--no-scale]",
     "the loss and the compiled metrics over samples X and targets Y",
     "X as predict's INPUT (a single file); Y an IDX or CSV file of labels or\n"
     "targets, one row per sample of X, values as stored. Prints one line per\n"
     "value: \"loss: 0.100612\", then each metric the model was compiled with.\n\n"
     "  --batch N    samples per forward pass (default 256)\n"
     "  --resize, --invert, --no-scale   as for predict\n",
     tool_cmd_evaluate},
    {"convert", "IN OUT [--channels-first]", "between ONNX and libnn model files",
     "IN ending in .onnx (a PyTorch export, or libnn's own) is imported and\n"
     "saved as the libnn model file OUT (compiled with SGD and mean squared\n"
     "error, as libnn_model_import_onnx makes it: compile it again to train).\n"
     "Otherwise IN is a libnn model file and OUT.onnx is written from it\n"
     "(opset 13; images channels-last as in libnn, unless --channels-first).\n"
     "Needs a libnn built with ONNX (libnn_onnx_available()).\n\n"
     "  --channels-first   the exported model takes NCHW images, as PyTorch\n",
     tool_cmd_convert},
};

#define N_COMMANDS (sizeof commands / sizeof commands[0])

static int usage(FILE *f)
{
    fputs("usage: libnn [--help | --version] SUBCOMMAND [ARGS...]\n\nSubcommands:\n", f);
    for (size_t i = 0; i < N_COMMANDS; i++)
        fprintf(f, "  %-9s %s\n", commands[i].name, commands[i].summary);
    fputs("\n`libnn SUBCOMMAND --help` shows its options. Exit codes: 0 success, 1 an error\n"
          "(message on stderr), 2 a usage error. See docs/tool.md or man libnn.\n", f);
    return f == stdout ? TOOL_OK : TOOL_USAGE;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return usage(stderr);
    const char *name = argv[1];
    if (!strcmp(name, "--help") || !strcmp(name, "-h") || !strcmp(name, "help")) {
        if (argc > 2 && strcmp(name, "help") == 0) {
            for (size_t i = 0; i < N_COMMANDS; i++)
                if (!strcmp(commands[i].name, argv[2]))
                    return tool_print_help(&commands[i]);
            fprintf(stderr, "libnn: no subcommand \"%s\"\n", argv[2]);
            return usage(stderr);
        }
        return usage(stdout);
    }
    if (!strcmp(name, "--version")) {
        /* The library's version at run time may be newer than the headers'. */
        printf("libnn %s (library %s, model format version %d)\n", LIBNN_VERSION_STRING,
               libnn_version_string(), LIBNN_MODEL_FORMAT_VERSION);
        return TOOL_OK;
    }
    for (size_t i = 0; i < N_COMMANDS; i++)
        if (!strcmp(commands[i].name, name)) {
            int rc = commands[i].run(&commands[i], argc - 1, argv + 1);
            return rc < 0 ? TOOL_OK : rc; /* -1: --help was printed */
        }
    fprintf(stderr, "libnn: no subcommand \"%s\"\n", name);
    return usage(stderr);
}
