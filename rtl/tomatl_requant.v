// tomatl_requant: requantization of one accumulator to an output code
// (purely combinational), the rule of docs/numerics.md section 4:
//   m = MULT_BITS > 0 ? acc * mult : acc   (per-channel multiplier, unsigned)
//   r = RSHIFT > 0 ? (m + c) >>> RSHIFT : m <<< LSHIFT
//   ACT 0: r, ACT 1: max(r, 0), ACT 2: min(max(r, 0), RELU6_MAX)
//   y = r clamped to [-2^(OUT_BITS-1), 2^(OUT_BITS-1)-1] (OUT_SIGNED) or
//       [0, 2^OUT_BITS-1], as an OUT_BITS-bit code; NARROW = 1 leaves out
//       the bottom code -2^(OUT_BITS-1) (signed) or the top 2^OUT_BITS-1
//       (unsigned).
// The rounding constant c of ROUND_MODE, with h = 2^(RSHIFT-1),
// f = 2^RSHIFT - 1, n the sign bit of m and o its bit RSHIFT:
//   0 half_ceil (ties to +inf, the default)  c = h
//   1 half_even (ties to even)               c = h - 1 + o
//   2 half_away (ties away from zero)        c = h - n
//   3 half_zero (ties towards zero)          c = h - 1 + n
//   4 floor                                  c = 0
//   5 ceil                                   c = f
//   6 to_zero (truncation)                   c = n ? f : 0
//   7 away (from zero)                       c = n ? 0 : f
// The arithmetic is carried out on RQ_BITS bits, wide enough for acc shifted
// left, the rounding add, the output range and RELU6_MAX, so nothing wraps.
`default_nettype none

module tomatl_requant #(
    parameter ACC_BITS   = 24,  // signed accumulator width (2..64)
    parameter RSHIFT     = 0,   // right shift with rounding half up (>= 0)
    parameter LSHIFT     = 0,   // exact left shift (>= 0; not with RSHIFT)
    parameter ACT        = 0,   // 0 none, 1 relu, 2 relu6
    parameter RELU6_MAX  = 6,   // code of 6.0 in the output type (relu6)
    parameter OUT_BITS   = 8,   // bits per output code (1..32)
    parameter OUT_SIGNED = 1,   // 1: two's complement output, 0: unsigned
    parameter MULT_BITS  = 0,   // bits of the per-channel multiplier (0: none, up to 16)
    parameter ROUND_MODE = 0,   // rounding of the right shift, 0..7 (above)
    parameter NARROW     = 0    // 1: narrow-range saturation
) (
    input  wire [ACC_BITS-1:0] acc,
    // The channel's multiplier (ignored when MULT_BITS = 0).
    /* verilator lint_off UNUSEDSIGNAL */
    input  wire [((MULT_BITS > 0) ? MULT_BITS : 1)-1:0] mult,
    /* verilator lint_on UNUSEDSIGNAL */
    output wire [OUT_BITS-1:0] y
);

    // Width of the multiplier port.
    localparam MB = (MULT_BITS > 0) ? MULT_BITS : 1;
    // Width of the requantization arithmetic.
    localparam RQ_A = ACC_BITS + MB + 2 + LSHIFT + RSHIFT;
    localparam RQ_B = (OUT_BITS + 2 > 34) ? (OUT_BITS + 2) : 34;
    localparam RQ_BITS = (RQ_A > RQ_B) ? RQ_A : RQ_B;

    generate
        if (ACC_BITS < 2 || ACC_BITS > 64) begin : g_illegal_acc_bits
            tomatl_illegal_parameter_ACC_BITS u_illegal ();
        end
        if (RSHIFT < 0 || LSHIFT < 0 || (RSHIFT > 0 && LSHIFT > 0)) begin : g_illegal_shift
            tomatl_illegal_parameter_RSHIFT_LSHIFT u_illegal ();
        end
        if (ACT < 0 || ACT > 2) begin : g_illegal_act
            tomatl_illegal_parameter_ACT u_illegal ();
        end
        if (OUT_BITS < 1 || OUT_BITS > 32 || (OUT_SIGNED != 0 && OUT_SIGNED != 1)) begin : g_illegal_out_type
            tomatl_illegal_parameter_OUT_BITS_OUT_SIGNED u_illegal ();
        end
        if (MULT_BITS < 0 || MULT_BITS > 16) begin : g_illegal_mult_bits
            tomatl_illegal_parameter_MULT_BITS u_illegal ();
        end
        if (ROUND_MODE < 0 || ROUND_MODE > 7) begin : g_illegal_round_mode
            tomatl_illegal_parameter_ROUND_MODE u_illegal ();
        end
        if (NARROW != 0 && (NARROW != 1 || OUT_BITS < 2)) begin : g_illegal_narrow
            tomatl_illegal_parameter_NARROW u_illegal ();
        end
    endgenerate

    localparam [RQ_BITS-1:0] RQ_ONE = {{(RQ_BITS - 1) {1'b0}}, 1'b1};  // 1
    localparam [RQ_BITS-1:0] RQ_ZERO = {RQ_BITS{1'b0}};  // 0
    localparam [RQ_BITS-1:0] RQ_HALF = (RQ_ONE << RSHIFT) >> 1;  // 2^(RSHIFT-1), or 0
    localparam [RQ_BITS-1:0] RQ_FULL = (RQ_ONE << RSHIFT) - RQ_ONE;  // 2^RSHIFT - 1
    // 2^(RSHIFT-1) - 1 (used with RSHIFT > 0 only)
    localparam [RQ_BITS-1:0] RQ_HALF1 = (RSHIFT > 0) ? (RQ_HALF - RQ_ONE) : RQ_ZERO;
    localparam [RQ_BITS-1:0] RQ_NARROW = (NARROW != 0) ? RQ_ONE : RQ_ZERO;
    localparam [RQ_BITS-1:0] RQ_OMAX = (OUT_SIGNED != 0) ? ((RQ_ONE << (OUT_BITS - 1)) - RQ_ONE) :
                                                          ((RQ_ONE << OUT_BITS) - RQ_ONE - RQ_NARROW);  // top code
    localparam [RQ_BITS-1:0] RQ_OMIN = (OUT_SIGNED != 0) ? (RQ_ZERO - (RQ_ONE << (OUT_BITS - 1)) + RQ_NARROW) :
                                                          RQ_ZERO;  // bottom code
    // The bit of the shifted value that is the quotient's lowest (half to
    // even's tie test).
    localparam integer ODD_BIT = (RSHIFT > 0 && RSHIFT < RQ_BITS) ? RSHIFT : 0;
    localparam [31:0] R6_32 = RELU6_MAX[31:0];  // relu6 limit, 32 bits
    // The relu6 limit sign-extended to RQ_BITS (a wire: Verilator treats a
    // parameter inside a concatenation as unsized).
    wire [31:0] r6_32 = R6_32;
    wire [RQ_BITS-1:0] rq_r6 = {{(RQ_BITS - 32) {r6_32[31]}}, r6_32};

    // The multiplication on its exact operand widths (a signed accumulator
    // times an unsigned multiplier), so synthesis maps it to one DSP where
    // the accumulator fits a DSP operand.
    wire signed [ACC_BITS-1:0] acc_s = acc;
    wire signed [MB:0] mult_s = {1'b0, mult[MB-1:0]};
    /* verilator lint_off UNUSEDSIGNAL */
    wire signed [ACC_BITS+MB:0] prod = acc_s * mult_s;
    /* verilator lint_on UNUSEDSIGNAL */

    reg [RQ_BITS-1:0] r;
    reg [RQ_BITS-1:0] c;
    always @* begin
        r = {{(RQ_BITS - ACC_BITS) {acc[ACC_BITS-1]}}, acc};
        if (MULT_BITS > 0) begin
            r = {{(RQ_BITS - ACC_BITS - MB - 1) {prod[ACC_BITS+MB]}}, prod};
        end
        case (ROUND_MODE)
            1: c = r[ODD_BIT] ? RQ_HALF : RQ_HALF1;
            2: c = r[RQ_BITS-1] ? RQ_HALF1 : RQ_HALF;
            3: c = r[RQ_BITS-1] ? RQ_HALF : RQ_HALF1;
            4: c = RQ_ZERO;
            5: c = RQ_FULL;
            6: c = r[RQ_BITS-1] ? RQ_FULL : RQ_ZERO;
            7: c = r[RQ_BITS-1] ? RQ_ZERO : RQ_FULL;
            default: c = RQ_HALF;
        endcase
        if (RSHIFT > 0) begin
            r = $signed(r + c) >>> RSHIFT;
        end else begin
            r = r << LSHIFT;
        end
        if (ACT != 0 && $signed(r) < $signed(RQ_ZERO)) begin
            r = RQ_ZERO;
        end
        if (ACT == 2 && $signed(r) > $signed(rq_r6)) begin
            r = rq_r6;
        end
        if ($signed(r) > $signed(RQ_OMAX)) begin
            r = RQ_OMAX;
        end
        if ($signed(r) < $signed(RQ_OMIN)) begin
            r = RQ_OMIN;
        end
    end

    // Only the low OUT_BITS bits of the clamped value form the code.
    /* verilator lint_off UNUSEDSIGNAL */
    wire [RQ_BITS-1:0] r_all = r;
    /* verilator lint_on UNUSEDSIGNAL */
    assign y = r_all[OUT_BITS-1:0];

endmodule

`default_nettype wire
