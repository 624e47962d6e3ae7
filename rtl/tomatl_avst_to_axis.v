// tomatl_avst_to_axis: Avalon-ST to AXI4-Stream, for Intel's Platform
// Designer (the mSGDMA's memory-to-stream source).
//
// The beat passes through combinationally (readyLatency 0): tdata = data,
// tvalid = valid, ready = tready, tlast = endofpacket. startofpacket and
// empty carry nothing the accelerator needs (it counts beats); they are
// checked instead: framing_error goes high, and stays high until reset,
// after a beat whose startofpacket disagrees with the packet boundaries (a
// first beat without it, or a later beat with it) or whose empty is not
// zero on the last beat (a tomatl frame is a whole number of words).
//
// Symbol order: symbol k of a beat is bits [k*SYMBOL_BITS, (k+1)*SYMBOL_BITS),
// as the component declares (firstSymbolInHighOrderBits false): memory
// byte 0 is element 0's low byte, with no swap here.
`default_nettype none

module tomatl_avst_to_axis #(
    parameter DATA_BITS   = 8,  // bits of a beat (a multiple of SYMBOL_BITS)
    parameter SYMBOL_BITS = 8,  // bits of an Avalon symbol (>= 1)
    // width of the empty signal (at least 1; carries log2 of the symbols per beat)
    parameter EMPTY_BITS  = (DATA_BITS / SYMBOL_BITS > 1) ? $clog2(DATA_BITS / SYMBOL_BITS) : 1
) (
    input  wire                  clk,
    input  wire                  rst,
    input  wire [ DATA_BITS-1:0] avst_data,
    input  wire                  avst_valid,
    output wire                  avst_ready,
    input  wire                  avst_startofpacket,
    input  wire                  avst_endofpacket,
    input  wire [EMPTY_BITS-1:0] avst_empty,
    output wire [ DATA_BITS-1:0] m_axis_tdata,
    output wire                  m_axis_tvalid,
    input  wire                  m_axis_tready,
    output wire                  m_axis_tlast,
    output wire                  framing_error
);

    generate
        if (SYMBOL_BITS < 1) begin : g_illegal_symbol_bits
            tomatl_illegal_parameter_SYMBOL_BITS u_illegal ();
        end
        if (DATA_BITS < SYMBOL_BITS || SYMBOL_BITS < 1 || (DATA_BITS % SYMBOL_BITS) != 0)
        begin : g_illegal_data_bits
            tomatl_illegal_parameter_DATA_BITS u_illegal ();
        end
        if (EMPTY_BITS < 1 || (SYMBOL_BITS >= 1 && DATA_BITS / SYMBOL_BITS > (1 << EMPTY_BITS)))
        begin : g_illegal_empty_bits
            tomatl_illegal_parameter_EMPTY_BITS u_illegal ();
        end
    endgenerate

    // a packet has begun: the next beat is not its first
    reg in_packet_reg;
    // sticky: a beat broke the framing rules
    reg error_reg;

    wire beat = avst_valid && m_axis_tready;
    wire bad_sop = avst_startofpacket == in_packet_reg;
    // empty counts only on the last beat of a packet
    wire bad_empty = avst_endofpacket && avst_empty != {EMPTY_BITS{1'b0}};

    always @(posedge clk) begin
        if (rst) begin
            in_packet_reg <= 1'b0;
            error_reg     <= 1'b0;
        end else if (beat) begin
            in_packet_reg <= !avst_endofpacket;
            if (bad_sop || bad_empty) error_reg <= 1'b1;
        end
    end

    assign m_axis_tdata  = avst_data;
    assign m_axis_tvalid = avst_valid;
    assign avst_ready    = m_axis_tready;
    assign m_axis_tlast  = avst_endofpacket;
    assign framing_error = error_reg;

endmodule

`default_nettype wire
