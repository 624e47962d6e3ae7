// tomatl_avg: the average of docs/numerics.md (purely combinational):
//   num = sum << AVG_LSHIFT, den = AVG_DIV,
//   y   = saturate(floor((2*num + den) / (2*den)))
// which rounds num/den half up (ties towards +inf: -3.5 -> -3), then
// saturates to the OUT_BITS output code.
//
// The division by the constant is exact without a divider:
//   floor((2*num + den) / (2*den)) = floor(X / D) with X = num + floor(D/2),
//   D = den (for odd D, X + 1/2 never reaches the next multiple of D).
// With U = X for X >= 0 and U = D - 1 - X for X < 0 (so that
// floor(X/D) = -floor(U/D) for X < 0), the quotient of the non-negative U,
// U < 2^UB, is floor(U * M / 2^SH) with L = clog2(D), SH = UB + L and
// M = ceil(2^SH / D). Proof: M*D = 2^SH + E with 0 <= E < D <= 2^L, so
// U*M/2^SH = U/D + U*E/(D*2^SH) and U*E < 2^UB * 2^L = 2^SH: the error is
// below 1/D and cannot carry U/D past the next integer. One constant
// multiplier of UB x (UB+2) bits, an add and two conditional negations.
`default_nettype none

module tomatl_avg #(
    parameter SUM_BITS   = 16,  // bits of the two's complement sum (2..56)
    parameter AVG_LSHIFT = 0,   // num = sum << AVG_LSHIFT (0..16)
    parameter AVG_DIV    = 1,   // den (1 .. 2^30)
    parameter OUT_BITS   = 8,   // bits per output code (1..32)
    parameter OUT_SIGNED = 1    // 1: two's complement output, 0: unsigned
) (
    input  wire [SUM_BITS-1:0] sum,
    output wire [OUT_BITS-1:0] y
);

    // clog2 of the divisor.
    localparam L = $clog2(AVG_DIV);
    // Width of X = (sum << AVG_LSHIFT) + floor(D/2), two's complement.
    localparam XB = (((SUM_BITS + AVG_LSHIFT) > (L + 1)) ? (SUM_BITS + AVG_LSHIFT) : (L + 1)) + 1;
    // Width of U (unsigned): U < 2^(XB-1) + D.
    localparam UB = (((XB - 1) > L) ? (XB - 1) : L) + 1;
    // Shift of the reciprocal multiply.
    localparam SH = UB + L;
    // Width of M = ceil(2^SH / D) < 2^(UB+1) + 1.
    localparam MB = UB + 2;
    // Width of the constant arithmetic (holds 2^SH + D).
    localparam CB = ((SH + 2) > 34) ? (SH + 2) : 34;
    // Width of the signed quotient.
    localparam QB = UB + 1;
    // Width of the product (holds U*M and the quotient field above SH).
    localparam PB = ((UB + MB) > (SH + QB)) ? (UB + MB) : (SH + QB);

    generate
        if (SUM_BITS < 2 || SUM_BITS > 56) begin : g_illegal_sum_bits
            tomatl_illegal_parameter_SUM_BITS u_illegal ();
        end
        if (AVG_LSHIFT < 0 || AVG_LSHIFT > 16) begin : g_illegal_avg_lshift
            tomatl_illegal_parameter_AVG_LSHIFT u_illegal ();
        end
        if (AVG_DIV < 1 || AVG_DIV > (1 << 30)) begin : g_illegal_avg_div
            tomatl_illegal_parameter_AVG_DIV u_illegal ();
        end
    endgenerate

    // A non-negative integer zero-extended to CB bits (constant function).
    function [CB-1:0] widen;
        input integer v;
        begin
            widen = {CB{1'b0}};
            widen[31:0] = v;
        end
    endfunction

    localparam [CB-1:0] D_C = widen(AVG_DIV);  // the divisor, CB bits
    localparam [CB-1:0] ONE_C = {{(CB - 1) {1'b0}}, 1'b1};  // 1, CB bits
    localparam [CB-1:0] M_C = ((ONE_C << SH) + D_C - ONE_C) / D_C;  // ceil(2^SH / D)
    localparam [CB-1:0] H_C = D_C >> 1;  // floor(D / 2)

    // Only the low bits of the constants are used.
    /* verilator lint_off UNUSEDSIGNAL */
    wire [CB-1:0] m_c = M_C;
    wire [CB-1:0] h_c = H_C;
    wire [CB-1:0] d_c = D_C;
    /* verilator lint_on UNUSEDSIGNAL */

    // X = (sum << AVG_LSHIFT) + floor(D/2)
    wire [XB-1:0] sum_x = {{(XB - SUM_BITS) {sum[SUM_BITS-1]}}, sum};
    wire [XB-1:0] x = (sum_x << AVG_LSHIFT) + h_c[XB-1:0];
    wire neg = x[XB-1];
    wire [UB-1:0] x_u = {{(UB - XB) {x[XB-1]}}, x};
    // U = X, or D - 1 - X = D + ~X for X < 0
    wire [UB-1:0] u = neg ? (d_c[UB-1:0] + ~x_u) : x_u;
    // Only the bits above SH are the quotient.
    /* verilator lint_off UNUSEDSIGNAL */
    wire [PB-1:0] prod = {{(PB - UB) {1'b0}}, u} * {{(PB - MB) {1'b0}}, m_c[MB-1:0]};
    /* verilator lint_on UNUSEDSIGNAL */
    wire [QB-1:0] q_u = prod[SH+:QB];
    wire [QB-1:0] q = neg ? -q_u : q_u;

    // Saturation to the output code.
    tomatl_requant #(
        .ACC_BITS  (QB),
        .RSHIFT    (0),
        .LSHIFT    (0),
        .ACT       (0),
        .RELU6_MAX (0),
        .OUT_BITS  (OUT_BITS),
        .OUT_SIGNED(OUT_SIGNED)
    ) u_sat (
        .mult(1'b0),
        .acc(q),
        .y  (y)
    );

endmodule

`default_nettype wire
