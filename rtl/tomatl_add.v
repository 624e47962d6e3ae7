// tomatl_add: element-wise add of two streams (a residual connection).
//
// Lane i of an output beat comes from lane i of one beat of a and one beat
// of b (lane i of a at [i*A_BITS +: A_BITS], of b at [i*B_BITS +: B_BITS],
// of the output at [i*OUT_BITS +: OUT_BITS]):
//   s = (a << A_SHL) + (b << B_SHL)     exact: both aligned to the finer
//                                       binary point (one shift is 0)
//   y = tomatl_requant(s): RSHIFT/LSHIFT with rounding by ROUND_MODE, ACT,
//       saturation to OUT_BITS.
// Each input has a two-beat buffer (tomatl_fifo); a pair is taken from the
// buffers when both hold a beat and the output buffer (tomatl_fifo, two
// beats) has room. Every ready is a register: no combinational path from
// one input's valid to the other's ready, nor from m_axis_tready. One beat
// per cycle with everything ready. Latency: 2 cycles.
`default_nettype none

module tomatl_add #(
    parameter ELEMS      = 1,  // lanes per beat (>= 1)
    parameter A_BITS     = 8,  // bits per code of a (1..32)
    parameter A_SIGNED   = 1,  // 1: a is two's complement, 0: unsigned
    parameter B_BITS     = 8,  // bits per code of b (1..32)
    parameter B_SIGNED   = 1,  // 1: b is two's complement, 0: unsigned
    parameter A_SHL      = 0,  // left shift of a (0..32)
    parameter B_SHL      = 0,  // left shift of b (0..32; not with A_SHL)
    parameter RSHIFT     = 0,  // requantization right shift (rounding)
    parameter LSHIFT     = 0,  // requantization left shift
    parameter ACT        = 0,  // 0 none, 1 relu, 2 relu6
    parameter RELU6_MAX  = 6,  // code of 6.0 in the output type (relu6)
    parameter OUT_BITS   = 8,  // bits per output code
    parameter OUT_SIGNED = 1,  // 1: outputs are two's complement
    parameter ROUND_MODE = 0,  // rounding of RSHIFT, 0..7 (tomatl_requant)
    parameter NARROW     = 0   // 1: narrow-range saturation
) (
    input  wire                      clk,
    input  wire                      rst,
    input  wire [  ELEMS*A_BITS-1:0] s_axis_a_tdata,
    input  wire                      s_axis_a_tvalid,
    output wire                      s_axis_a_tready,
    input  wire [  ELEMS*B_BITS-1:0] s_axis_b_tdata,
    input  wire                      s_axis_b_tvalid,
    output wire                      s_axis_b_tready,
    output wire [ELEMS*OUT_BITS-1:0] m_axis_tdata,
    output wire                      m_axis_tvalid,
    input  wire                      m_axis_tready
);

    // Width of the exact sum (a sign bit, the wider shifted operand, a carry).
    localparam A_W = A_BITS + A_SHL + 1;
    localparam B_W = B_BITS + B_SHL + 1;
    localparam S_BITS = ((A_W > B_W) ? A_W : B_W) + 1;

    generate
        if (ELEMS < 1) begin : g_illegal_elems
            tomatl_illegal_parameter_ELEMS u_illegal ();
        end
        if (A_BITS < 1 || A_BITS > 32 || (A_SIGNED != 0 && A_SIGNED != 1)) begin : g_illegal_a_type
            tomatl_illegal_parameter_A_BITS_A_SIGNED u_illegal ();
        end
        if (B_BITS < 1 || B_BITS > 32 || (B_SIGNED != 0 && B_SIGNED != 1)) begin : g_illegal_b_type
            tomatl_illegal_parameter_B_BITS_B_SIGNED u_illegal ();
        end
        if (A_SHL < 0 || A_SHL > 32 || B_SHL < 0 || B_SHL > 32 || (A_SHL > 0 && B_SHL > 0)) begin : g_illegal_shl
            tomatl_illegal_parameter_A_SHL_B_SHL u_illegal ();
        end
    endgenerate

    // ------------------------------------------------------ input buffers
    wire [ELEMS*A_BITS-1:0] a_data;
    wire [ELEMS*B_BITS-1:0] b_data;
    wire a_valid, b_valid;
    wire out_room;
    wire fire = a_valid && b_valid && out_room;

    tomatl_fifo #(
        .WIDTH(ELEMS * A_BITS),
        .DEPTH(2)
    ) u_a (
        .clk          (clk),
        .rst          (rst),
        .s_axis_tdata (s_axis_a_tdata),
        .s_axis_tvalid(s_axis_a_tvalid),
        .s_axis_tready(s_axis_a_tready),
        .m_axis_tdata (a_data),
        .m_axis_tvalid(a_valid),
        .m_axis_tready(fire)
    );

    tomatl_fifo #(
        .WIDTH(ELEMS * B_BITS),
        .DEPTH(2)
    ) u_b (
        .clk          (clk),
        .rst          (rst),
        .s_axis_tdata (s_axis_b_tdata),
        .s_axis_tvalid(s_axis_b_tvalid),
        .s_axis_tready(s_axis_b_tready),
        .m_axis_tdata (b_data),
        .m_axis_tvalid(b_valid),
        .m_axis_tready(fire)
    );

    // ------------------------------------------------ sum and requantize
    wire [ELEMS*OUT_BITS-1:0] y;
    genvar i;
    generate
        for (i = 0; i < ELEMS; i = i + 1) begin : g_lane
            wire [A_BITS-1:0] a = a_data[i*A_BITS+:A_BITS];
            wire [B_BITS-1:0] b = b_data[i*B_BITS+:B_BITS];
            wire [S_BITS-1:0] ae = {{(S_BITS - A_BITS) {A_SIGNED != 0 && a[A_BITS-1]}}, a};
            wire [S_BITS-1:0] be = {{(S_BITS - B_BITS) {B_SIGNED != 0 && b[B_BITS-1]}}, b};
            wire [S_BITS-1:0] s = (ae << A_SHL) + (be << B_SHL);
            tomatl_requant #(
                .ACC_BITS  (S_BITS),
                .RSHIFT    (RSHIFT),
                .LSHIFT    (LSHIFT),
                .ACT       (ACT),
                .RELU6_MAX (RELU6_MAX),
                .OUT_BITS  (OUT_BITS),
                .OUT_SIGNED(OUT_SIGNED),
                .ROUND_MODE(ROUND_MODE),
                .NARROW    (NARROW)
            ) u_requant (
                .mult(1'b0),
                .acc(s),
                .y  (y[i*OUT_BITS+:OUT_BITS])
            );
        end
    endgenerate

    // ------------------------------------------------------ output buffer
    tomatl_fifo #(
        .WIDTH(ELEMS * OUT_BITS),
        .DEPTH(2)
    ) u_out (
        .clk          (clk),
        .rst          (rst),
        .s_axis_tdata (y),
        .s_axis_tvalid(a_valid && b_valid),
        .s_axis_tready(out_room),
        .m_axis_tdata (m_axis_tdata),
        .m_axis_tvalid(m_axis_tvalid),
        .m_axis_tready(m_axis_tready)
    );

endmodule

`default_nettype wire
