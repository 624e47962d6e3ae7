// tomatl_fork: broadcast of one stream to N_OUT consumers.
//
// Every input beat goes to all N_OUT outputs (output i at
// [i*WIDTH +: WIDTH] of m_axis_tdata, with m_axis_tvalid[i] and
// m_axis_tready[i]). Each output has its own two-beat buffer (tomatl_fifo),
// so a consumer that stalls does not hold back a beat the others already
// took; a beat is accepted when every buffer has room. With all consumers
// ready it moves one beat per cycle. s_axis_tready is the AND of the
// buffers' registered readies: it does not depend on s_axis_tvalid or on
// any m_axis_tready in the same cycle. Latency: 1 cycle.
`default_nettype none

module tomatl_fork #(
    parameter WIDTH = 8,  // bits per beat (>= 1)
    parameter N_OUT = 2   // consumers (2..4)
) (
    input  wire                   clk,
    input  wire                   rst,
    input  wire [      WIDTH-1:0] s_axis_tdata,
    input  wire                   s_axis_tvalid,
    output wire                   s_axis_tready,
    output wire [N_OUT*WIDTH-1:0] m_axis_tdata,
    output wire [      N_OUT-1:0] m_axis_tvalid,
    input  wire [      N_OUT-1:0] m_axis_tready
);

    generate
        if (WIDTH < 1) begin : g_illegal_width
            tomatl_illegal_parameter_WIDTH u_illegal ();
        end
        if (N_OUT < 2 || N_OUT > 4) begin : g_illegal_n_out
            tomatl_illegal_parameter_N_OUT u_illegal ();
        end
    endgenerate

    wire [N_OUT-1:0] room;  // buffer i can take a beat
    assign s_axis_tready = &room;

    genvar i;
    generate
        for (i = 0; i < N_OUT; i = i + 1) begin : g_out
            tomatl_fifo #(
                .WIDTH(WIDTH),
                .DEPTH(2)
            ) u_buf (
                .clk          (clk),
                .rst          (rst),
                .s_axis_tdata (s_axis_tdata),
                .s_axis_tvalid(s_axis_tvalid && s_axis_tready),
                .s_axis_tready(room[i]),
                .m_axis_tdata (m_axis_tdata[i*WIDTH+:WIDTH]),
                .m_axis_tvalid(m_axis_tvalid[i]),
                .m_axis_tready(m_axis_tready[i])
            );
        end
    endgenerate

endmodule

`default_nettype wire
