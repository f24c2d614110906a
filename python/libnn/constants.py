"""The C API's enum values, mirrored by hand.

These values are pinned in the C headers (include/libnn/*.h: "values pinned,
only appended"), so the binding hard-codes them instead of parsing anything at
run time. python/tests/test_binding.py parses the headers and checks that
every enum below matches its C counterpart exactly, so they cannot drift.
Each class names its C enum and header; member names are the C names without
the prefix given in C_ENUMS.
"""
import re
from enum import IntEnum

# #define constants of the headers.
MAX_RANK = 8          # LIBNN_MAX_RANK, libnn/tensor.h
IDX_RAW = 0           # LIBNN_IDX_RAW, libnn/data.h
IDX_SCALE = 1         # LIBNN_IDX_SCALE, libnn/data.h
MODEL_FORMAT_VERSION = 1  # LIBNN_MODEL_FORMAT_VERSION, libnn/model_file.h
ONNX_OPSET = 13      # LIBNN_ONNX_OPSET, libnn/onnx.h
ONNX_IR_VERSION = 7  # LIBNN_ONNX_IR_VERSION, libnn/onnx.h


class CSVOption(IntEnum):  # libnn_csv_option, libnn/data.h
    HEADER = 1
    DELIMITER = 2
    LABEL_COLUMN = 3


class LayerKind(IntEnum):  # libnn_layer_kind, libnn/layer.h
    DENSE = 1
    CONV2D = 2
    MAX_POOLING2D = 3
    AVERAGE_POOLING2D = 4
    GLOBAL_MAX_POOLING2D = 5
    GLOBAL_AVERAGE_POOLING2D = 6
    FLATTEN = 7
    RESHAPE = 8
    DROPOUT = 9
    ACTIVATION = 10
    EMBEDDING = 11
    SIMPLE_RNN = 12
    LSTM = 13
    GRU = 14
    BIDIRECTIONAL = 15
    MASKING = 16


class Param(IntEnum):  # libnn_param, libnn/layer.h
    UNITS = 1
    FILTERS = 2
    KERNEL_H = 3
    KERNEL_W = 4
    STRIDES = 5
    STRIDE_H = 6
    STRIDE_W = 7
    PADDING = 8
    DILATION_RATE = 9
    DILATION_H = 10
    DILATION_W = 11
    ACTIVATION = 12
    ALPHA = 13
    USE_BIAS = 14
    KERNEL_INITIALIZER = 15
    BIAS_INITIALIZER = 16
    RECURRENT_INITIALIZER = 17
    EMBEDDINGS_INITIALIZER = 18
    KERNEL_INIT_A = 19
    KERNEL_INIT_B = 20
    BIAS_INIT_A = 21
    BIAS_INIT_B = 22
    RECURRENT_INIT_A = 23
    RECURRENT_INIT_B = 24
    EMBEDDINGS_INIT_A = 25
    EMBEDDINGS_INIT_B = 26
    KERNEL_L1 = 27
    KERNEL_L2 = 28
    BIAS_L1 = 29
    BIAS_L2 = 30
    RECURRENT_L1 = 31
    RECURRENT_L2 = 32
    EMBEDDINGS_L1 = 33
    EMBEDDINGS_L2 = 34
    POOL_SIZE = 35
    POOL_H = 36
    POOL_W = 37
    RATE = 38
    SEED = 39
    INPUT_DIM = 40
    OUTPUT_DIM = 41
    MASK_ZERO = 42
    RETURN_SEQUENCES = 43
    RETURN_STATE = 44
    GO_BACKWARDS = 45
    RECURRENT_ACTIVATION = 46
    UNIT_FORGET_BIAS = 47
    DROPOUT = 48
    RECURRENT_DROPOUT = 49
    RESET_AFTER = 50
    MERGE_MODE = 51
    MASK_VALUE = 52
    TRAINABLE = 53


class Padding(IntEnum):  # libnn_padding, libnn/layer.h
    VALID = 0
    SAME = 1


class Activation(IntEnum):  # libnn_activation, libnn/layer.h
    LINEAR = 0
    RELU = 1
    SIGMOID = 2
    TANH = 3
    SOFTMAX = 4
    LEAKY_RELU = 5
    ELU = 6
    SELU = 7
    GELU = 8
    SOFTPLUS = 9
    SWISH = 10
    HARD_SIGMOID = 11
    SOFTSIGN = 12
    RELU6 = 13
    EXPONENTIAL = 14


class Initializer(IntEnum):  # libnn_initializer, libnn/layer.h
    ZEROS = 0
    ONES = 1
    CONSTANT = 2
    RANDOM_UNIFORM = 3
    RANDOM_NORMAL = 4
    TRUNCATED_NORMAL = 5
    GLOROT_UNIFORM = 6
    GLOROT_NORMAL = 7
    HE_UNIFORM = 8
    HE_NORMAL = 9
    LECUN_UNIFORM = 10
    LECUN_NORMAL = 11
    ORTHOGONAL = 12


class MergeMode(IntEnum):  # libnn_merge_mode, libnn/layer.h
    CONCAT = 0
    SUM = 1
    AVE = 2
    MUL = 3


class Loss(IntEnum):  # libnn_loss, libnn/loss.h
    MEAN_SQUARED_ERROR = 1
    MEAN_ABSOLUTE_ERROR = 2
    HUBER = 3
    BINARY_CROSSENTROPY = 4
    CATEGORICAL_CROSSENTROPY = 5
    SPARSE_CATEGORICAL_CROSSENTROPY = 6


class LossOption(IntEnum):  # libnn_loss_option, libnn/loss.h
    FROM_LOGITS = 1
    LABEL_SMOOTHING = 2
    DELTA = 3


class Metric(IntEnum):  # libnn_metric, libnn/loss.h
    ACCURACY = 1
    BINARY_ACCURACY = 2
    CATEGORICAL_ACCURACY = 3
    SPARSE_CATEGORICAL_ACCURACY = 4
    PRECISION = 5
    RECALL = 6
    F1 = 7
    F1_MACRO = 8
    F1_MICRO = 9
    AUC = 10
    MEAN_SQUARED_ERROR = 11
    ROOT_MEAN_SQUARED_ERROR = 12
    MEAN_ABSOLUTE_ERROR = 13
    R2 = 14


class ModelOption(IntEnum):  # libnn_model_option, libnn/model.h
    SEED = 1
    VERBOSE = 2
    SHUFFLE = 3
    VALIDATION_SPLIT = 4
    INITIAL_EPOCH = 5
    CHECK_NUMERICS = 6


class CallbackOption(IntEnum):  # libnn_callback_option, libnn/model.h
    MIN_DELTA = 1
    PATIENCE = 2
    MODE = 3
    RESTORE_BEST_WEIGHTS = 4
    BASELINE = 5
    START_FROM_EPOCH = 6
    FACTOR = 7
    COOLDOWN = 8
    MIN_LR = 9
    APPEND = 10
    SAVE_BEST_ONLY = 11
    SAVE_WEIGHTS_ONLY = 12
    SAVE_FREQ = 13


class MonitorMode(IntEnum):  # libnn_monitor_mode, libnn/model.h
    AUTO = 0
    MIN = 1
    MAX = 2


class OptParam(IntEnum):  # libnn_opt_param, libnn/optim.h
    LEARNING_RATE = 1
    BETA_1 = 2
    BETA_2 = 3
    EPSILON = 4
    AMSGRAD = 5
    MOMENTUM = 6
    NESTEROV = 7
    RHO = 8
    CENTERED = 9
    INITIAL_ACCUMULATOR_VALUE = 10
    WEIGHT_DECAY = 11
    CLIPNORM = 12
    CLIPVALUE = 13
    GLOBAL_CLIPNORM = 14
    SCHEDULE = 15
    DECAY_STEPS = 16
    DECAY_RATE = 17
    STAIRCASE = 18
    ALPHA = 19
    WARMUP_STEPS = 20
    WARMUP_TARGET = 21


class LRSchedule(IntEnum):  # libnn_lr_schedule, libnn/optim.h
    CONSTANT = 0
    EXPONENTIAL_DECAY = 1
    PIECEWISE_CONSTANT = 2
    COSINE_DECAY = 3
    INVERSE_TIME_DECAY = 4


class LogLevel(IntEnum):  # libnn_log_level, libnn/runtime.h
    ERROR = 0
    WARNING = 1
    INFO = 2
    DEBUG = 3


class Status(IntEnum):  # libnn_status, libnn/status.h
    OK = 0
    E_INVALID = 1
    E_SHAPE = 2
    E_NOMEM = 3
    E_IO = 4
    E_FORMAT = 5
    E_STATE = 6
    E_UNSUPPORTED = 7
    E_NONFINITE = 8
    E_RANGE = 9
    E_NOTFOUND = 10


class PadSide(IntEnum):  # libnn_pad_side, libnn/text.h
    PRE = 0
    POST = 1


class TokenizerOption(IntEnum):  # libnn_tokenizer_option, libnn/text.h
    NUM_WORDS = 1
    LOWER = 2
    CHAR_LEVEL = 3
    FILTERS = 4
    SPLIT = 5
    OOV_TOKEN = 6


class BleuSmoothing(IntEnum):  # libnn_bleu_smoothing, libnn/text.h
    NONE = 0
    METHOD1 = 1


class RougeType(IntEnum):  # libnn_rouge_type, libnn/text.h
    ROUGE_L = 0
    ROUGE_1 = 1
    ROUGE_2 = 2

class SaveFlag(IntEnum):  # libnn_save_flag, libnn/model_file.h
    CHECKPOINT = 1


class WeightsFlag(IntEnum):  # libnn_weights_flag, libnn/model_file.h
    BY_POSITION = 1


class CloneFlag(IntEnum):  # libnn_clone_flag, libnn/model_file.h
    WEIGHTS = 1


class OnnxFlag(IntEnum):  # libnn_onnx_flag, libnn/onnx.h
    CHANNELS_FIRST = 1


class SplitFlag(IntEnum):  # libnn_split_flag, libnn/data.h
    SHUFFLE = 1
    STRATIFY = 2

# C enum name -> (Python class, prefix stripped from the C member names).
C_ENUMS = {
    'libnn_status': (Status, 'LIBNN_'),
    'libnn_log_level': (LogLevel, 'LIBNN_LOG_'),
    'libnn_layer_kind': (LayerKind, 'LIBNN_LAYER_'),
    'libnn_param': (Param, 'LIBNN_PARAM_'),
    'libnn_padding': (Padding, 'LIBNN_PADDING_'),
    'libnn_activation': (Activation, 'LIBNN_ACT_'),
    'libnn_initializer': (Initializer, 'LIBNN_INIT_'),
    'libnn_merge_mode': (MergeMode, 'LIBNN_MERGE_'),
    'libnn_loss': (Loss, 'LIBNN_LOSS_'),
    'libnn_loss_option': (LossOption, 'LIBNN_LOSS_OPT_'),
    'libnn_metric': (Metric, 'LIBNN_METRIC_'),
    'libnn_opt_param': (OptParam, 'LIBNN_OPT_'),
    'libnn_lr_schedule': (LRSchedule, 'LIBNN_LR_'),
    'libnn_model_option': (ModelOption, 'LIBNN_MODEL_'),
    'libnn_callback_option': (CallbackOption, 'LIBNN_CB_'),
    'libnn_monitor_mode': (MonitorMode, 'LIBNN_MODE_'),
    'libnn_csv_option': (CSVOption, 'LIBNN_CSV_'),
    'libnn_pad_side': (PadSide, 'LIBNN_PAD_'),
    'libnn_tokenizer_option': (TokenizerOption, 'LIBNN_TOKENIZER_'),
    'libnn_bleu_smoothing': (BleuSmoothing, 'LIBNN_BLEU_SMOOTH_'),
    'libnn_rouge_type': (RougeType, 'LIBNN_'),
    'libnn_save_flag': (SaveFlag, 'LIBNN_SAVE_'),
    'libnn_weights_flag': (WeightsFlag, 'LIBNN_WEIGHTS_'),
    'libnn_clone_flag': (CloneFlag, 'LIBNN_CLONE_'),
    'libnn_onnx_flag': (OnnxFlag, 'LIBNN_ONNX_'),
    'libnn_split_flag': (SplitFlag, 'LIBNN_SPLIT_'),
}
C_DEFINES = {'LIBNN_MAX_RANK': MAX_RANK, 'LIBNN_MODEL_FORMAT_VERSION': MODEL_FORMAT_VERSION, 'LIBNN_IDX_RAW': IDX_RAW, 'LIBNN_IDX_SCALE': IDX_SCALE,
             'LIBNN_ONNX_OPSET': ONNX_OPSET, 'LIBNN_ONNX_IR_VERSION': ONNX_IR_VERSION}


def lookup(enum, value, what, aliases=None):
    """The member of `enum` named by a Keras name ('relu', 'GlorotUniform'), or given as int."""
    if isinstance(value, int) and not isinstance(value, bool):
        return enum(value)
    if not isinstance(value, str):
        raise TypeError(f'{what} must be a name (str) or a libnn.constants.{enum.__name__} value, '
                        f'got {value!r}')
    key = re.sub(r'(?<=[a-z0-9])(?=[A-Z])', '_', value).lower()
    key = (aliases or {}).get(key, key)
    try:
        return enum[key.upper()]
    except KeyError:
        names = ', '.join(m.name.lower() for m in enum)
        raise ValueError(f'unknown {what} {value!r}; known: {names}') from None
